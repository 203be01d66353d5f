"""Read TensorBoard event files with TensorBoard's own loaders and print their scalars as JSON.

Usage: python tensorboard_read.py RUN_DIR
Prints {"accumulator": {tag: [[step, value], ...]}, "summary_iterator": {...}, "file_version": ...}
using tensorboard.backend.event_processing.event_accumulator and tf.compat.v1.train.summary_iterator
(the latter verifies every record's masked CRC32C and fails on a corrupt file).
"""
import glob
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(run_dir):
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(run_dir, size_guidance={"scalars": 0})
    acc.Reload()
    out = {"accumulator": {}, "summary_iterator": {}, "file_version": None}
    for tag in acc.Tags()["scalars"]:
        out["accumulator"][tag] = [[e.step, e.value] for e in acc.Scalars(tag)]
    import tensorflow as tf

    files = sorted(glob.glob(os.path.join(run_dir, "events.out.tfevents.*")))
    for path in files:
        for i, ev in enumerate(tf.compat.v1.train.summary_iterator(path)):
            if i == 0:
                out["file_version"] = ev.file_version
            for v in ev.summary.value:
                out["summary_iterator"].setdefault(v.tag, []).append([ev.step, v.simple_value])
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
