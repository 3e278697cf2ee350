// Public surface of the LoRa-IP bridge.
export { BRIDGE_MESSAGE_KIND, BridgeBody, LoraIpBridge, bridgeMessageType, type BridgeStats, type BridgedDelivery, type GossipBridgeSide, type LoraBridgeSide } from './lora-ip-bridge.ts';
