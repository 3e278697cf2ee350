import { create } from 'zustand';
import type { ChatMessage, ContractClient, ContractError, Conversation, MessagesEvent } from '../../../shared/contract/index.ts';

type MessagesStore = {
  conversations: Conversation[];
  /** Messages of the conversations opened so far, oldest first. */
  messages: Record<string, ChatMessage[]>;
  /** The conversation on screen, if the Messages view shows one. */
  open: string | undefined;
  error: ContractError | undefined;
  sending: boolean;
  /** Shows a conversation (loading its messages) and marks it read; undefined when the view closes. */
  show(conversation: string | undefined): Promise<void>;
  send(text: string, conversation: string): Promise<boolean>;
};

let client: ContractClient | undefined;

/** How many messages one conversation keeps on screen. */
const PAGE = 300;

const upsert = <T extends { id: string }>(list: readonly T[], item: T): T[] => {
  const at = list.findIndex((existing) => existing.id === item.id);
  if (at === -1) return [...list, item];
  const copy = [...list];
  copy[at] = item;
  return copy;
};

const byNewest = (a: Conversation, b: Conversation) => (b.lastAt ?? 0) - (a.lastAt ?? 0);

export const useMessages = create<MessagesStore>((set) => ({
  conversations: [],
  messages: {},
  open: undefined,
  error: undefined,
  sending: false,
  async show(conversation) {
    set({ open: conversation, error: undefined });
    if (!client || conversation === undefined) return;
    const [list, read] = await Promise.all([
      client.call('messages.list', { conversation, limit: PAGE }),
      client.call('messages.markRead', { conversation }),
    ]);
    if (list.ok) set((state) => ({ messages: { ...state.messages, [conversation]: list.value } }));
    if (read.ok && read.value.lastAt !== undefined) set((state) => ({ conversations: upsert(state.conversations, read.value).sort(byNewest) }));
  },
  async send(text, conversation) {
    if (!client) return false;
    set({ sending: true, error: undefined });
    const target = conversation.startsWith('channel:') ? { channel: Number(conversation.slice('channel:'.length)) } : { to: conversation };
    const result = await client.call('messages.send', { text, ...target });
    set(result.ok ? { sending: false } : { sending: false, error: result.error });
    return result.ok;
  },
}));

/** Unread messages over every conversation (the navigation badge). */
export const totalUnread = (conversations: readonly Conversation[]) => conversations.reduce((sum, conversation) => sum + conversation.unread, 0);

/** `onIncoming`: a text arrived from the mesh (sound, notification). */
export function bindMessages(contractClient: ContractClient, onIncoming: (event: MessagesEvent) => void): void {
  client = contractClient;
  const load = async () => {
    const conversations = await contractClient.call('messages.conversations', {});
    if (conversations.ok) useMessages.setState({ conversations: conversations.value });
    const open = useMessages.getState().open;
    if (open) await useMessages.getState().show(open);
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('messages', (events, dropped) => {
    if (dropped > 0) {
      void load(); // some changes were dropped on the way: start from the node's own lists
      return;
    }
    const { open } = useMessages.getState();
    let readOpen = false;
    for (const event of events) {
      const { message } = event;
      const isIncoming = message.direction === 'in' && message.unread === true;
      if (isIncoming) {
        onIncoming(event);
        if (message.conversation === open && document.visibilityState === 'visible') readOpen = true;
      }
      useMessages.setState((state) => ({
        conversations: upsert(state.conversations, event.conversation).sort(byNewest),
        messages: state.messages[message.conversation] ? { ...state.messages, [message.conversation]: upsert(state.messages[message.conversation] ?? [], message) } : state.messages,
      }));
    }
    if (readOpen && open) void useMessages.getState().show(open);
  });
}
