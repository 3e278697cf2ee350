/** The console's views in navigation order; Alt+1..9 jumps to them. */
export const views = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'radio', label: 'Radio' },
  { id: 'peers', label: 'Peers' },
  { id: 'index', label: 'Index' },
  { id: 'files', label: 'Files' },
  { id: 'emergency', label: 'Emergency' },
  { id: 'settings', label: 'Settings' },
  { id: 'log', label: 'Log' },
  { id: 'messages', label: 'Messages' },
] as const;

export type ViewId = (typeof views)[number]['id'];

export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '');
  return views.find((view) => view.id === id)?.id ?? 'dashboard';
}
