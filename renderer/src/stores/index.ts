import type { ContractClient } from '../../../shared/contract/index.ts';
import { alertNewMessage } from '../app/message-alerts.ts';
import { bindCatalogue } from './catalogue.ts';
import { bindConnection } from './connection.ts';
import { bindEmergency } from './emergency.ts';
import { bindFavorites } from './favorites.ts';
import { bindHistory } from './history.ts';
import { bindIndexSync } from './index-sync.ts';
import { bindLog } from './log.ts';
import { bindMap } from './map.ts';
import { bindMesh } from './mesh.ts';
import { bindMessages } from './messages.ts';
import { bindNode } from './node.ts';
import { bindRadio } from './radio.ts';
import { bindStorage } from './storage.ts';
import { bindTransfers } from './transfers.ts';

export { CATALOGUE_PAGE, requestVia, useCatalogue, type CatalogueRequestOutcome } from './catalogue.ts';
export { useConnection } from './connection.ts';
export { unacknowledged, useEmergency } from './emergency.ts';
export { useFavorites } from './favorites.ts';
export { HISTORY_RANGES, useHistory, type HistoryRange } from './history.ts';
export { useIndexSync } from './index-sync.ts';
export { useLog } from './log.ts';
export { useMap } from './map.ts';
export { useMesh } from './mesh.ts';
export { totalUnread, useMessages } from './messages.ts';
export { useNode } from './node.ts';
export { useRadio } from './radio.ts';
export { useStorage } from './storage.ts';
export { useTransfers } from './transfers.ts';

/** Each store subscribes to the part of the contract it mirrors. */
export function bindStores(client: ContractClient, via: 'desktop' | 'websocket'): void {
  bindConnection(client, via);
  bindNode(client);
  bindLog(client);
  bindRadio(client);
  bindStorage(client);
  bindIndexSync(client);
  bindEmergency(client);
  bindMesh(client);
  bindTransfers(client);
  bindFavorites(client);
  bindMap(client);
  bindHistory(client);
  bindCatalogue(client);
  bindMessages(client, (event) => alertNewMessage(event, via));
}
