"""Parse step: notice text -> blocks (headings, row labels, list items, paragraphs) with offsets."""
