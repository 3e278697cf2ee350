export { DatabaseTooNewError, NodeDatabase, type DamagedDatabase, type OpenedDatabase } from './database.ts';
