#!/usr/bin/env python3
"""Turns a `tmux capture-pane -e -p` dump (text with SGR escapes) into an SVG image.

Standard library only. Handles the SGR codes tmux emits: reset, bold, italic, underline,
reverse, 16/256/truecolour foreground and background.
"""
import html
import re
import sys

PALETTE = ["#1e1e1e", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#dcdfe4",
           "#5c6370", "#ef596f", "#89ca78", "#e5c07b", "#61afef", "#d55fde", "#2bbac5", "#ffffff"]
FG, BG = "#dcdfe4", "#1e1e1e"


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        r, g, b = n // 36, n // 6 % 6, n % 6
        level = lambda v: 0 if v == 0 else 55 + 40 * v
        return "#%02x%02x%02x" % (level(r), level(g), level(b))
    v = 8 + 10 * (n - 232)
    return "#%02x%02x%02x" % (v, v, v)


def parse(line):
    """Yields (text, style) runs of one line."""
    style = {}
    pos = 0
    for m in re.finditer(r"\x1b\[([0-9;]*)m", line):
        if m.start() > pos:
            yield line[pos:m.start()], dict(style)
        pos = m.end()
        codes = [int(c) if c else 0 for c in m.group(1).split(";")]
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                style = {}
            elif c == 1:
                style["bold"] = True
            elif c == 3:
                style["italic"] = True
            elif c == 4:
                style["underline"] = True
            elif c == 7:
                style["reverse"] = True
            elif c in (22, 23, 24, 27):
                style.pop({22: "bold", 23: "italic", 24: "underline", 27: "reverse"}[c], None)
            elif 30 <= c <= 37:
                style["fg"] = PALETTE[c - 30]
            elif 90 <= c <= 97:
                style["fg"] = PALETTE[c - 90 + 8]
            elif 40 <= c <= 47:
                style["bg"] = PALETTE[c - 40]
            elif 100 <= c <= 107:
                style["bg"] = PALETTE[c - 100 + 8]
            elif c == 39:
                style.pop("fg", None)
            elif c == 49:
                style.pop("bg", None)
            elif c in (38, 48) and i + 1 < len(codes):
                key = "fg" if c == 38 else "bg"
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    style[key] = xterm256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    style[key] = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
            i += 1
    if pos < len(line):
        yield line[pos:], dict(style)


def main(src, dst, title):
    lines = open(src, encoding="utf-8").read().rstrip("\n").split("\n")
    cw, ch = 8.4, 18
    cols = max(sum(len(t) for t, _ in parse(l)) for l in lines)
    width, height = int(cols * cw + 24), int(len(lines) * ch + 44)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">',
           f'<rect width="100%" height="100%" rx="6" fill="{BG}"/>',
           f'<text x="12" y="18" fill="#8b929e" font-size="12">{html.escape(title)}</text>']
    for row, line in enumerate(lines):
        x = 12.0
        y = 32 + row * ch
        for text, st in parse(line):
            fg, bg = st.get("fg", FG), st.get("bg")
            if st.get("reverse"):
                fg, bg = bg or BG, fg
            w = len(text) * cw
            if bg:
                out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{ch}" fill="{bg}"/>')
            attrs = f'fill="{fg}"'
            if st.get("bold"):
                attrs += ' font-weight="bold"'
            if st.get("italic"):
                attrs += ' font-style="italic"'
            if st.get("underline"):
                attrs += ' text-decoration="underline"'
            if text.strip():
                out.append(f'<text x="{x:.1f}" y="{y + 13:.1f}" {attrs} xml:space="preserve">{html.escape(text)}</text>')
            x += w
    out.append("</svg>")
    open(dst, "w", encoding="utf-8").write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
