/**
 * Small `{name}` templates (version files, MR titles) and their inverse: reading the value back
 * out of a file written with the same template (`VERSION={sha}` → the sha).
 */

export function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? m);
}

/**
 * Extract `{field}` from `text` written with `template`; other placeholders match anything on
 * their line. Returns undefined when the text does not have the template's shape.
 */
export function extract(template: string, text: string, field: string): string | undefined {
  const parts = template.split(/(\{\w+\})/);
  let pattern = '';
  for (const part of parts) {
    const m = /^\{(\w+)\}$/.exec(part);
    if (m) pattern += m[1] === field ? '(?<value>[^\\s]+?)' : '[^\\n]*?';
    else pattern += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\n/g, '\\r?\\n');
  }
  // Trailing newline differences (editors add or strip one) must not break reading.
  const re = new RegExp(`^${pattern.replace(/(\\r\?\\n)+$/, '')}\\s*$`, 's');
  return re.exec(text)?.groups?.value;
}
