"""The process that lays out one big segment's postings (collab.search.postings_store.lay_out):

    python -m collab.search.postings_build INDEX_FOLDER SEGMENT_ID MIN_POSTINGS

Exit code 0 when the arrays were written, 3 when the segment has nothing to keep, 4 when the
segment is no longer in the index (merged away), anything else on an error (on stderr)."""
from __future__ import annotations

import signal
import sys

from collab.search import postings_store
from collab.search.vecscore import postings_to_lay_out


def main(argv: list[str]) -> int:
    from whoosh import index as whoosh_index

    folder, segment_id, min_postings = argv[0], argv[1], int(argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the build removes its temporary files
    try:
        ix = whoosh_index.open_dir(folder)
        with ix.searcher() as searcher:
            for reader, _offset in searcher.reader().leaf_readers():
                where = postings_store._folder_and_id(reader)
                if where is not None and where[1] == segment_id:
                    built = postings_store.build(reader, postings_to_lay_out, min_postings=min_postings)
                    return postings_store._BUILT if built else postings_store._NOTHING
    except FileNotFoundError:  # a file of the segment deleted under us: merged away
        return postings_store._GONE
    return postings_store._GONE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
