// @meshtastic/protobufs 2.7.18 ships broken declarations: `types` names dist/mod.d.ts, which is
// missing, and the bundled dist/mod-*.d.ts exports namespaces (Mesh, Config, ...) it never
// declares. The package is therefore untyped: callers get `any` and must be covered by tests.
declare module '@meshtastic/protobufs';
