import { useEffect, useMemo, useRef, useState } from 'react';
import { MAX_TEXT_PART_BYTES, MAX_TEXT_PARTS, type ChatMessage, type Conversation, type MeshNode } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useMessages, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const PRIMARY = 'channel:0';
const encoder = new TextEncoder();

/** Delivery state in words, as the operator needs it (what the firmware has said so far). */
function deliveryText(message: ChatMessage, conversation: Conversation): string {
  switch (message.state) {
    case 'queued':
      return 'Queued: waiting for the radio';
    case 'sent':
      return 'Sent: the radio is transmitting it';
    case 'relayed':
      return conversation.kind === 'channel' ? 'Relayed: a neighbour repeated it' : 'Relayed: on its way, not yet confirmed';
    case 'delivered':
      return `Delivered: ${conversation.name} confirmed it`;
    case 'failed':
      return `Failed: ${message.error?.message ?? 'no reason given'}${message.error?.fix ? ` ${message.error.fix}` : ''}`;
    default:
      return '';
  }
}

const nodeName = (nodes: readonly MeshNode[], nodeId: string | undefined): string => {
  const node = nodes.find((candidate) => candidate.nodeId === nodeId);
  return node?.longName ?? node?.shortName ?? nodeId ?? 'unknown';
};

export function Messages() {
  const { conversations, messages, open, error, sending, show, send } = useMessages();
  const nodes = useRadio((store) => store.nodes);
  const ownId = useRadio((store) => store.state.device?.nodeId);
  const [draft, setDraft] = useState('');
  const listRef = useRef<HTMLOListElement>(null);

  // Channels and direct conversations with messages, the primary channel always, and known nodes to start one with.
  const shown = useMemo(() => {
    const list = [...conversations];
    if (!list.some((conversation) => conversation.id === PRIMARY)) list.push({ id: PRIMARY, kind: 'channel', channel: 0, name: 'Primary channel', unread: 0 });
    return list;
  }, [conversations]);
  const active = open ?? shown[0]?.id ?? PRIMARY;
  const conversation: Conversation =
    shown.find((candidate) => candidate.id === active) ?? { id: active, kind: 'direct', nodeId: active, name: nodeName(nodes, active), unread: 0 };
  const thread = messages[active] ?? [];
  const startable = nodes.filter((node) => !shown.some((candidate) => candidate.id === node.nodeId));

  const select = (id: string) => useMessages.setState({ open: id });
  useEffect(() => {
    void show(active);
  }, [active, show]);
  useEffect(() => () => void show(undefined), [show]);
  useEffect(() => {
    listRef.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [thread.length, active]);

  const bytes = encoder.encode(draft.trim()).length;
  const parts = Math.max(1, Math.ceil(bytes / MAX_TEXT_PART_BYTES));
  const tooLong = bytes > MAX_TEXT_PART_BYTES * MAX_TEXT_PARTS;
  const submit = async () => {
    if (draft.trim() === '' || tooLong) return;
    if (await send(draft.trim(), active)) setDraft('');
  };

  return (
    <section className="view messages-view">
      <h1>Messages</h1>
      <div className="messages-layout">
        <nav className="card conversations" aria-label="Conversations">
          <ul data-testid="conversations">
            {shown.map((item) => (
              <li key={item.id}>
                <button type="button" className="conversation" aria-current={item.id === active ? 'true' : undefined} onClick={() => select(item.id)} data-conversation={item.id}>
                  <span className="conversation-name">
                    {item.kind === 'channel' ? '# ' : ''}
                    {item.name}
                    {item.shortName ? <span className="muted"> ({item.shortName})</span> : null}
                  </span>
                  {item.unread > 0 ? <span className="unread" aria-label={`${item.unread} unread`}>{item.unread}</span> : null}
                  {item.lastText ? <span className="conversation-last muted">{item.lastText}</span> : null}
                </button>
              </li>
            ))}
          </ul>
          {startable.length > 0 ? (
            <label className="block new-dm">
              <span className="muted">New direct message</span>
              <select value="" onChange={(event) => event.target.value && select(event.target.value)} data-testid="new-dm">
                <option value="">Choose a node…</option>
                {startable.map((node) => (
                  <option key={node.nodeId} value={node.nodeId}>
                    {node.longName ?? node.nodeId} {node.shortName ? `(${node.shortName})` : ''} {node.nodeId}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </nav>
        <div className="card thread">
          <h2 className="card-title" data-testid="thread-title">
            {conversation.kind === 'channel' ? `Channel ${conversation.channel ?? 0}: ${conversation.name}` : `Direct messages with ${conversation.name} (${conversation.nodeId})`}
          </h2>
          <ol className="bubbles" ref={listRef} data-testid="thread">
            {thread.map((message) => (
              <li key={message.id} className={`bubble bubble-${message.direction}`} data-state={message.state}>
                <div className="bubble-meta muted">
                  {message.direction === 'in' ? nodeName(nodes, message.from) : 'You'} · {formatTime(message.at)}
                  {message.part ? ` · part ${message.part.index}/${message.part.count}` : ''}
                  {message.hops !== undefined ? ` · ${message.hops} hop${message.hops === 1 ? '' : 's'}` : ''}
                  {message.snr !== undefined ? ` · SNR ${message.snr.toFixed(1)} dB` : ''}
                </div>
                <div className="bubble-text">{message.text}</div>
                {message.direction === 'out' ? (
                  <div className={`delivery delivery-${message.state ?? 'queued'}`} data-testid="delivery">{deliveryText(message, conversation)}</div>
                ) : null}
              </li>
            ))}
            {thread.length === 0 ? <li className="muted">No messages here yet.</li> : null}
          </ol>
          <form
            className="compose"
            onSubmit={(event) => {
              event.preventDefault();
              void submit();
            }}
          >
            <textarea
              rows={2}
              value={draft}
              placeholder={conversation.kind === 'channel' ? `Message everyone on ${conversation.name}` : `Message ${conversation.name}`}
              aria-label="Message"
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && !event.shiftKey) {
                  event.preventDefault();
                  void submit();
                }
              }}
              data-testid="compose"
            />
            <div className="compose-bar">
              <span className={tooLong ? 'bad-text' : 'muted'} data-testid="byte-counter">
                {bytes}/{MAX_TEXT_PART_BYTES} bytes{parts > 1 ? ` · goes as ${parts} messages` : ''}
                {tooLong ? ` · at most ${MAX_TEXT_PART_BYTES * MAX_TEXT_PARTS} bytes` : ''}
              </span>
              <button type="submit" disabled={draft.trim() === '' || tooLong || sending} data-testid="send-message">
                Send
              </button>
            </div>
            {ownId ? null : <p className="muted small-text">No radio connected: messages wait in the queue and go out once one is.</p>}
            <Problem error={error} />
          </form>
        </div>
      </div>
    </section>
  );
}
