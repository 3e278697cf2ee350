export { MessagesService, presetChannelName, TEXT_MESSAGE_PORT, type MessagesLink, type MessagesServiceOptions, type SendOutcome } from './service.ts';
export { MessageStore, type KnownName, type NewMessage } from './store.ts';
export { splitByBytes, utf8Length } from './split.ts';
export { nextDeliveryState, type DeliveryStep } from './state.ts';
