export * from './errors.ts';
export * from './schemas.ts';
export * from './methods.ts';
export * from './events.ts';
export * from './wire.ts';
export * from './client.ts';
export * from './bridge.ts';
export { createWebSocketTransport, tokenProtocol, type WebSocketTransportOptions } from './transports/websocket.ts';
