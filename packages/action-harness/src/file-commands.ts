/**
 * Reads a runner file-command file (`GITHUB_ENV`, `GITHUB_OUTPUT`) as the runner does: lines of
 * `NAME=value`, or the multi-line form `NAME<<DELIMITER`, the value's lines, then `DELIMITER`.
 * @throws {Error} when the file is malformed, as the runner would fail the step.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter = ''] = heredoc;
      const end = lines.indexOf(delimiter, index + 1);
      if (end === -1) throw new Error(`Unterminated value for ${name}: no closing ${delimiter}`);
      values[name] = lines.slice(index + 1, end).join('\n');
      index = end;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0) throw new Error(`Malformed file-command line: ${line.slice(0, 40)}`);
    values[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return values;
}
