import { useEffect, useMemo, useRef, useState } from 'react';
import { MAX_TEXT_PART_BYTES, MAX_TEXT_PARTS, type ChatMessage, type Conversation, type MeshNode } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { useMessages, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const PRIMARY = 'channel:0';
const encoder = new TextEncoder();

type Translate = ReturnType<typeof useT>;

/** Delivery state in words, as the operator needs it (what the firmware has said so far). */
function deliveryText(t: Translate, message: ChatMessage, conversation: Conversation): string {
  switch (message.state) {
    case 'queued':
    case 'sent':
      return t(`messages.state.${message.state}`);
    case 'relayed':
      return t(conversation.kind === 'channel' ? 'messages.state.relayedChannel' : 'messages.state.relayedDirect');
    case 'delivered':
      return t('messages.state.delivered', { name: conversation.name });
    case 'failed': {
      const reason = `${message.error?.message ?? t('messages.state.noReason')}${message.error?.fix ? ` ${message.error.fix}` : ''}`;
      return t('messages.state.failed', { reason });
    }
    default:
      return '';
  }
}

const nodeName = (nodes: readonly MeshNode[], nodeId: string | undefined): string | undefined => {
  const node = nodes.find((candidate) => candidate.nodeId === nodeId);
  return node?.longName ?? node?.shortName ?? nodeId;
};

export function Messages() {
  const t = useT();
  const { conversations, messages, open, error, sending, show, send } = useMessages();
  const nodes = useRadio((store) => store.nodes);
  const ownId = useRadio((store) => store.state.device?.nodeId);
  const [draft, setDraft] = useState('');
  const listRef = useRef<HTMLOListElement>(null);

  // Channels and direct conversations with messages, the primary channel always, and known nodes to start one with.
  const shown = useMemo(() => {
    const list = [...conversations];
    if (!list.some((conversation) => conversation.id === PRIMARY)) list.push({ id: PRIMARY, kind: 'channel', channel: 0, name: t('messages.primaryChannel'), unread: 0 });
    return list;
  }, [conversations, t]);
  const active = open ?? shown[0]?.id ?? PRIMARY;
  const conversation: Conversation =
    shown.find((candidate) => candidate.id === active) ?? { id: active, kind: 'direct', nodeId: active, name: nodeName(nodes, active) ?? active, unread: 0 };
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
      <h1>{t('messages.title')}</h1>
      <div className="messages-layout">
        <nav className="card conversations" aria-label={t('messages.conversations')}>
          <ul data-testid="conversations">
            {shown.map((item) => (
              <li key={item.id}>
                <button type="button" className="conversation" aria-current={item.id === active ? 'true' : undefined} onClick={() => select(item.id)} data-conversation={item.id}>
                  <span className="conversation-name">
                    {item.kind === 'channel' ? '# ' : ''}
                    {item.name}
                    {item.shortName ? <span className="muted"> ({item.shortName})</span> : null}
                  </span>
                  {item.unread > 0 ? <span className="unread" aria-label={t('messages.unread', { count: item.unread })}>{item.unread}</span> : null}
                  {item.lastText ? <span className="conversation-last muted">{item.lastText}</span> : null}
                </button>
              </li>
            ))}
          </ul>
          {startable.length > 0 ? (
            <label className="block new-dm">
              <span className="muted">{t('messages.newDirect')}</span>
              <select value="" onChange={(event) => event.target.value && select(event.target.value)} data-testid="new-dm">
                <option value="">{t('messages.chooseNode')}</option>
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
            {conversation.kind === 'channel'
              ? t('messages.channelTitle', { channel: conversation.channel ?? 0, name: conversation.name })
              : t('messages.directTitle', { name: conversation.name, nodeId: conversation.nodeId ?? conversation.id })}
          </h2>
          <ol className="bubbles" ref={listRef} data-testid="thread">
            {thread.map((message) => (
              <li key={message.id} className={`bubble bubble-${message.direction}`} data-state={message.state}>
                <div className="bubble-meta muted">
                  {[
                    message.direction === 'in' ? (nodeName(nodes, message.from) ?? t('messages.unknown')) : t('messages.you'),
                    formatTime(message.at),
                    ...(message.part ? [t('messages.part', { index: message.part.index, count: message.part.count })] : []),
                    ...(message.hops !== undefined ? [t('common.hops', { count: message.hops })] : []),
                    ...(message.snr !== undefined ? [t('messages.snr', { snr: message.snr.toFixed(1) })] : []),
                  ].join(' · ')}
                </div>
                <div className="bubble-text">{message.text}</div>
                {message.direction === 'out' ? (
                  <div className={`delivery delivery-${message.state ?? 'queued'}`} data-testid="delivery">{deliveryText(t, message, conversation)}</div>
                ) : null}
              </li>
            ))}
            {thread.length === 0 ? <li className="muted">{t('messages.empty')}</li> : null}
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
              placeholder={t(conversation.kind === 'channel' ? 'messages.placeholderChannel' : 'messages.placeholderDirect', { name: conversation.name })}
              aria-label={t('messages.messageLabel')}
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
                {[
                  t('messages.bytes', { used: bytes, max: MAX_TEXT_PART_BYTES }),
                  ...(parts > 1 ? [t('messages.parts', { count: parts })] : []),
                  ...(tooLong ? [t('messages.tooLong', { max: MAX_TEXT_PART_BYTES * MAX_TEXT_PARTS })] : []),
                ].join(' · ')}
              </span>
              <button type="submit" disabled={draft.trim() === '' || tooLong || sending} data-testid="send-message">
                {t('messages.send')}
              </button>
            </div>
            {ownId ? null : <p className="muted small-text">{t('messages.noRadio')}</p>}
            <Problem error={error} />
          </form>
        </div>
      </div>
    </section>
  );
}
