/** The console's views in navigation order; Alt+1..9 jumps to the first nine. Names come from the catalog (`nav.<id>`). */
export const views = [
  { id: 'dashboard' },
  { id: 'radio' },
  { id: 'peers' },
  { id: 'index' },
  { id: 'files' },
  { id: 'emergency' },
  { id: 'settings' },
  { id: 'log' },
  { id: 'messages' },
  { id: 'nodes' },
  { id: 'map' },
  { id: 'history' },
  { id: 'catalogue' },
] as const;

export type ViewId = (typeof views)[number]['id'];

export function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '');
  return views.find((view) => view.id === id)?.id ?? 'dashboard';
}
