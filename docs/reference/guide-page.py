#!/usr/bin/env python3
# guide-page.py: turn the concept pages of docs/ into gi-docgen content pages
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: guide-page.py OUTPUT_DIR PAGE.md...
#
# The pages of docs/ are written to be read as they are, in an editor or on
# a forge: each starts with a "# Heading" and links to the others as
# page.md and to the example programs as examples/name.c. gi-docgen takes a
# content page's title from a "Title:" line at its top, renders page.md as
# page.html, and copies the example programs next to the pages. This writes
# each page to OUTPUT_DIR with the title line added and those links pointed
# at what the reference has. A link to another .md file, which the
# reference would not have, or to a heading that no page has, is an error
# rather than a broken link.

import os
import re
import sys
import unicodedata

# A Markdown link target: ](target) or ](target#anchor).
LINK_RE = re.compile(r'\]\((?P<target>[^)#\s]*)(?P<anchor>#[^)\s]*)?\)')


def slugify(heading):
    # The ids Python-Markdown's toc extension gives headings (and, for
    # these pages, the anchors a forge gives them).
    text = unicodedata.normalize('NFKD', heading.replace('`', ''))
    text = text.encode('ascii', 'ignore').decode('ascii')
    text = re.sub(r'[^\w\s-]', '', text).strip().lower()
    return re.sub(r'[-\s]+', '-', text)


def heading_ids(text):
    ids = set()
    in_code = False
    for line in text.split('\n'):
        if line.lstrip().startswith('```'):
            in_code = not in_code
        elif not in_code and line.startswith('#'):
            ids.add(slugify(line.lstrip('#').strip()))
    return ids


def convert(name, text, pages):
    lines = text.split('\n')
    heading = next((line for line in lines if line.startswith('# ')), None)
    if heading is None:
        sys.exit(f'{name}: no "# " heading to take the title from')

    def relink(match):
        target = match.group('target')
        anchor = match.group('anchor') or ''
        if anchor and (target or name) in pages and anchor[1:] not in pages[target or name]:
            sys.exit(f'{name}: links to {target}{anchor}, a heading no page has')
        if target in pages:
            return f']({target[:-len(".md")]}.html{anchor})'
        if target.endswith('.md'):
            sys.exit(f'{name}: links to {target}, which is not a page of the reference')
        if target.startswith('examples/'):
            return f']({os.path.basename(target)}{anchor})'
        return match.group(0)

    out = []
    in_code = False
    for line in lines:
        if line.lstrip().startswith('```'):
            in_code = not in_code
        out.append(line if in_code else LINK_RE.sub(relink, line))

    return f'Title: {heading[2:].strip()}\n\n' + '\n'.join(out)


def main(argv):
    if len(argv) < 3:
        sys.exit('usage: guide-page.py OUTPUT_DIR PAGE.md...')
    output_dir = argv[1]
    sources = argv[2:]
    texts = {}
    for path in sources:
        with open(path, encoding='utf-8') as f:
            texts[os.path.basename(path)] = f.read()
    pages = {name: heading_ids(text) for name, text in texts.items()}

    for name, text in texts.items():
        with open(os.path.join(output_dir, name), 'w', encoding='utf-8') as f:
            f.write(convert(name, text, pages))


if __name__ == '__main__':
    main(sys.argv)
