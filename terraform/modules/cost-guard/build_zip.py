"""Write guard.zip from guard.py, byte for byte reproducible (fixed time, stored, not
deflated: the same bytes on every Python and zlib), or with --check fail when guard.zip
is not what guard.py makes. Terraform deploys guard.zip as it is (no archive provider
needed offline); a test runs --check.

    python3 terraform/modules/cost-guard/build_zip.py [--check]
"""

import io
import pathlib
import sys
import zipfile

HERE = pathlib.Path(__file__).resolve().parent


def build() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        info = zipfile.ZipInfo("guard.py", date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.create_system = 3
        z.writestr(info, (HERE / "guard.py").read_bytes())
    return out.getvalue()


def main() -> int:
    fresh = build()
    target = HERE / "guard.zip"
    if "--check" in sys.argv[1:]:
        if not target.is_file() or target.read_bytes() != fresh:
            print(
                f"{target} is not built from guard.py: run python3 {HERE / 'build_zip.py'}",
                file=sys.stderr,
            )
            return 1
        return 0
    target.write_bytes(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
