/**
 * The link targets in a Markdown text: inline links and images, reference definitions
 * and HTML `href`/`src` attributes. Code (fenced blocks and inline spans) is left out,
 * since brackets there are not links.
 */
export function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[^`\n]*?\1/g, '');
  const patterns = [/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g, /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm, /\b(?:href|src)\s*=\s*["']([^"']*)["']/g];
  return patterns.flatMap((pattern) => [...prose.matchAll(pattern)].map((match) => match[1] ?? ''));
}

/**
 * Whether a link works wherever the text is shown, e.g. on the registry's package page,
 * where a relative path resolves against the registry and not against the repository:
 * an absolute URL, or an anchor within the same page.
 */
export function worksAnywhere(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#');
}
