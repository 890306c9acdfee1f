// RFC 3339 date-time as Python servers write it: `T` (or a space) between date and time,
// optional fraction, and `Z`, `+HH:MM` or no offset at all (read as UTC).
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * Reads an RFC 3339 date-time. Fractions of up to nanoseconds are accepted and kept to the
 * millisecond; a value without an offset is read as UTC. Returns `undefined` for anything that
 * is not a real calendar instant (month 13, 30 February, hour 24…).
 */
export function parseRfc3339(value: string): Date | undefined {
  const match = RFC3339.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, , sign, offsetHours, offsetMinutes] =
    match.map((part) => part ?? '');
  const numbers = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = numbers;
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return undefined;
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  if (Number(offsetHours || 0) > 23 || Number(offsetMinutes || 0) > 59) return undefined;

  const milliseconds = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  // A leap second is read as the last moment of its minute.
  const utc = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), milliseconds);
  const offsetMs =
    (Number(offsetHours || 0) * 60 + Number(offsetMinutes || 0)) * 60_000 * (sign === '-' ? -1 : 1);
  return new Date(utc - offsetMs);
}
