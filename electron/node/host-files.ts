/**
 * File dialogs that only the desktop app has: the operator picks a file to add, or where to save
 * one, in a window of the node's own (main process), so the renderer never names a path.
 */
export interface HostFiles {
  pickFileToAdd(): Promise<{ name: string; bytes: Uint8Array } | undefined>;
  saveFile(suggestedName: string, bytes: Uint8Array): Promise<string | undefined>;
}
