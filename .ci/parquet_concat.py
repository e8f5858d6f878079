#!/usr/bin/env python3
"""Stacks the same Parquet table of several bundles with pyarrow, as a pandas or polars user would.

    PROTEUS_PARQUET_KEEP=/tmp/pq cargo test -p proteus --features parquet --test parquet \
        pack_schemas_do_not_depend_on_the_data
    python3 .ci/parquet_concat.py /tmp/pq

Every `NAME.parquet` found in the bundles under the given folders (one level down, or the folders
themselves) is grouped by NAME, and each group of two or more files is read with
`pyarrow.parquet.read_table` and stacked with `pyarrow.concat_tables` (no schema promotion: the
schemas must be equal). Exits 1 if a concatenation fails, if the schemas differ, or if no table has
two files to stack; 2 if pyarrow is missing. Needs `pip install pyarrow` (docs/parquet.md).
"""

import sys
from collections import defaultdict
from pathlib import Path

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    print("parquet_concat: pyarrow is not installed (pip install pyarrow)", file=sys.stderr)
    sys.exit(2)


def main(folders):
    if not folders:
        print(__doc__, file=sys.stderr)
        return 2
    groups = defaultdict(list)
    for folder in map(Path, folders):
        for path in sorted(list(folder.glob("*.parquet")) + list(folder.glob("*/*.parquet"))):
            groups[path.stem].append(path)
    stacked = 0
    failed = False
    for name, paths in sorted(groups.items()):
        if len(paths) < 2:
            print(f"{name}: only {paths[0]}, nothing to stack")
            continue
        tables = [pq.read_table(p) for p in paths]
        first = tables[0].schema
        for path, table in zip(paths[1:], tables[1:]):
            if not table.schema.equals(first):
                failed = True
                print(f"{name}: {path} has another schema than {paths[0]}:", file=sys.stderr)
                print(f"  {table.schema}\n  vs\n  {first}", file=sys.stderr)
        try:
            whole = pa.concat_tables(tables)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
            failed = True
            print(f"{name}: concat_tables failed: {e}", file=sys.stderr)
            continue
        stacked += 1
        types = ", ".join(f"{f.name}:{f.type}" for f in whole.schema)
        print(f"{name}: {len(paths)} files, {whole.num_rows} rows stacked ({types})")
    if stacked == 0:
        print("parquet_concat: no table with two files to stack", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
