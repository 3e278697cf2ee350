// CSV as RFC 4180 writes it (CRLF, a header row, fields quoted when they hold a comma, quote or line
// break), made safe to open in a spreadsheet: text that a spreadsheet would run as a formula
// (=, +, -, @, tab, CR at the start: OWASP's list) gets a leading apostrophe. Numbers stay numbers.

export type CsvValue = string | number | boolean | null | undefined;
export type CsvColumn<Row> = { header: string; value: (row: Row) => CsvValue };

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Writes `rows` under a header row; counts them as it goes, so a generator can feed it. */
export function toCsv<Row>(columns: readonly CsvColumn<Row>[], rows: Iterable<Row>): { csv: string; rows: number } {
  const lines = [columns.map((column) => csvField(column.header)).join(',')];
  for (const row of rows) lines.push(columns.map((column) => csvField(column.value(row))).join(','));
  return { csv: `${lines.join('\r\n')}\r\n`, rows: lines.length - 1 };
}

/**
 * The same for rows that come in pages (a long history): the event loop gets a turn between pages,
 * so a node exporting a week of samples keeps serving its radio and consoles.
 */
export async function toCsvInPages<Row>(columns: readonly CsvColumn<Row>[], pages: Iterable<readonly Row[]>): Promise<{ csv: string; rows: number }> {
  const parts = [toCsv(columns, []).csv];
  let rows = 0;
  for (const page of pages) {
    const written = toCsv(columns, page);
    parts.push(written.csv.slice(written.csv.indexOf('\r\n') + 2));
    rows += written.rows;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { csv: parts.join(''), rows };
}

/** ISO 8601 in UTC with milliseconds: unambiguous in any spreadsheet and time zone. */
export function isoTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
