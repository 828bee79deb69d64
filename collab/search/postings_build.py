"""The process that lays out one big segment's postings (collab.search.postings_store.lay_out):
``run([INDEX_FOLDER, SEGMENT_ID, MIN_POSTINGS])``.

Exit code 0 when the arrays were written, 3 when the segment has nothing to keep, 4 when the
segment is no longer in the index (merged away), anything else on an error (on stderr). It ends
itself (removing its temporary files) on SIGTERM and when its standard input closes: the
process that started it is gone."""
from __future__ import annotations

import os
import signal
import sys
import threading
import traceback

from collab.search import postings_store
from collab.search.vecscore import postings_to_lay_out


def _end_with_parent() -> None:
    try:
        sys.stdin.buffer.read()  # nothing is ever written: this returns when the parent closes it or dies
    except (OSError, ValueError):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str]) -> int:
    from whoosh import index as whoosh_index

    folder, segment_id, min_postings = argv[0], argv[1], int(argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(postings_store._TERMINATED))  # stopped: the build removes its temporary files
    threading.Thread(target=_end_with_parent, daemon=True).start()
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


def run(argv: list[str]) -> None:
    """``main`` and exit with its code, without waiting for the thread that reads stdin."""
    try:
        code = main(argv)
    except SystemExit as e:  # SIGTERM
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run(sys.argv[1:])
