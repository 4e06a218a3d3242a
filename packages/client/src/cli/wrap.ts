/**
 * Wraps `text` at spaces to lines of at most `width - 1` columns, continuation lines
 * indented by two spaces. While progress bars are drawn the terminal's own wrapping
 * is off, so a longer line would lose its end (often the hint that matters); a word
 * longer than a line is cut into pieces rather than lost.
 */
export function wrap(text: string, width: number): string {
  const room = Math.max(10, width - 1);
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    const indent = paragraph.match(/^ */)![0];
    const push = () => {
      out.push(line);
      line = `${indent}  `;
    };
    line = indent;
    const words = paragraph.slice(indent.length).split(' ');
    for (let index = 0; index < words.length; index += 1) {
      let word = words[index]!;
      const fresh = line.trim() === '';
      const needed = (fresh ? 0 : 1) + word.length;
      if (line.length + needed <= room) {
        line += fresh ? word : ` ${word}`;
        continue;
      }
      if (!fresh) push();
      while (line.length + word.length > room) {
        const cut = Math.max(1, room - line.length);
        line += word.slice(0, cut);
        word = word.slice(cut);
        push();
      }
      line += word;
    }
    out.push(line);
  }
  return out.join('\n');
}
