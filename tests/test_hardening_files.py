"""Hostile and broken input files, end to end through the CLI in a real process (SPEC 3, SPEC 10).

Each file is either refused with one clear sentence — exit 2, one line on stderr, no traceback, the
``--json`` failure object naming the problem — in bounded time and memory (the process's peak RSS, from
VmHWM), or read correctly. What the reader tests already prove (a zero-filled zip bomb, a fake OLE2
"encrypted" header, 1,025 columns, a 37k-character cell, each line ending alone, ``sep=``, UTF-16 without
a BOM, HTML saved as .csv) is not repeated at the reader level; this file adds:

* zip bombs whose directory **lies** about what an entry inflates to (shared strings, sheet XML): they
  passed the directory checks and fastexcel inflated them (400 MB of shared strings from a 400 KB file:
  1.6 GB peak RSS); now refused before fastexcel reads a byte. An honest bomb, for comparison;
* a genuinely encrypted workbook (ECMA-376 agile encryption as Excel writes it, made once with
  msoffcrypto-tool and embedded below), also when named ``.csv``;
* 16,384 columns (Excel's maximum) in CSV and XLSX (the XLSX one took 7 s and 450 MB for two rows: every
  per-column expression ran before the width was checked; now 1.5 s); a 1 MB cell in CSV (fast and exact
  parsers) and XLSX;
* an HTML table saved as ``.csv`` and as ``.xls`` (what web apps export as "Excel": it was called a
  damaged workbook);
* read correctly: NUL bytes in a cell (that row rejected as ``nul_byte``) and in a header (dropped from the
  name: the header goes to the CRM's jsonb ``column_mapping``, which refuses NUL — the import failed with
  "unsupported Unicode escape sequence" and could never be resumed), mixed CRLF/LF/CR line endings with
  multi-line quoted cells (row numbers as Excel shows them), an Excel ``sep=`` line, UTF-16 LE and BE
  without a BOM beyond the 1 MB sample.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
from leadfiles import ADMIN, ROOT, cli_env, crm_job, one_json, query

# --- running the CLI, measured ----------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mb: float


def _hwm_mb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM), in MB; 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_measured(home: Path, *args: str, timeout: float = 300, **env: str) -> Run:
    """``python -m crm_importer ARGS`` in its own process, its peak RSS sampled from VmHWM every 10 ms.

    Not ``wait4``'s ``ru_maxrss``: a child's counts the memory of the parent it was forked from (the
    kernel carries the old image's high-water mark across exec), here the test process's own.
    """
    home.mkdir(parents=True, exist_ok=True)
    out_path, err_path = home / f".out-{time.monotonic_ns()}", home / f".err-{time.monotonic_ns()}"
    peak = 0.0
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "crm_importer", *args], env=cli_env(home, **env),
                                cwd=str(ROOT), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        deadline = started + timeout
        while True:
            peak = max(peak, _hwm_mb(proc.pid))  # read before reaping: a reaped pid may be reused
            if proc.poll() is not None:
                break
            if time.monotonic() > deadline:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                raise AssertionError(f"crm-importer {' '.join(args)} still running after {timeout} s")
            time.sleep(0.01)
        seconds = time.monotonic() - started
    return Run(proc.returncode, out_path.read_text(), err_path.read_text(), seconds, peak)


def one_sentence(err: str) -> str:
    """stderr is exactly one line, no traceback."""
    lines = [line for line in err.splitlines() if line.strip()]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    return lines[0]


# --- hostile workbooks -------------------------------------------------------------------------------------
def _template(path: Path, cell: str = "PLACEHOLDER") -> Path:
    """A small real workbook (xlsxwriter): an email column, two rows, ``cell`` as a shared string."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Leads")
    ws.write_row(0, 0, ["E-mail", "Nom"])
    ws.write_row(1, 0, ["zoe@exemple.fr", "Zoé"])
    ws.write_row(2, 0, ["bob@exemple.fr", cell])
    wb.close()
    return path


def _rewrite(src: Path, dst: Path, part: str, replace: tuple[bytes, bytes], repeat: int = 1,
             keep: bool = False) -> None:
    """Copy the workbook with ``replace[0]`` in ``part`` swapped for ``replace[1] * repeat`` (after
    ``replace[0]`` itself with ``keep``), streamed: the test never holds the inflated part in memory."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != part:
                zout.writestr(info.filename, data)
                continue
            head, _, tail = data.partition(replace[0])
            with zout.open(part, "w", force_zip64=True) as f:
                f.write(head + (replace[0] if keep else b""))
                for _ in range(repeat):
                    f.write(replace[1])
                f.write(tail)


def _declare_size(path: Path, part: str, size: int) -> None:
    """Make the zip directory (central and local headers, zip64 fields included) claim ``size`` bytes."""
    raw = bytearray(path.read_bytes())
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo(part)

    def patch_zip64(extra_at: int, extra_len: int) -> None:
        pos = extra_at
        while pos < extra_at + extra_len:
            tag, length = struct.unpack_from("<HH", raw, pos)
            if tag == 1:
                struct.pack_into("<Q", raw, pos + 4, size)  # uncompressed size comes first
            pos += 4 + length

    local = info.header_offset
    assert raw[local:local + 4] == b"PK\x03\x04"
    name_len, extra_len = struct.unpack_from("<HH", raw, local + 26)
    if struct.unpack_from("<I", raw, local + 22)[0] != 0xFFFFFFFF:
        struct.pack_into("<I", raw, local + 22, size)
    patch_zip64(local + 30 + name_len, extra_len)
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        name_len, extra_len = struct.unpack_from("<HH", raw, pos + 28)
        if raw[pos + 46:pos + 46 + name_len].decode() == part:
            if struct.unpack_from("<I", raw, pos + 24)[0] != 0xFFFFFFFF:
                struct.pack_into("<I", raw, pos + 24, size)
            patch_zip64(pos + 46 + name_len, extra_len)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(raw))
    assert zipfile.ZipFile(path).getinfo(part).file_size == size


def honest_bomb(tmp: Path) -> Path:
    """300 MB of shared string, declared as such: the directory check alone refuses it."""
    path = tmp / "bomb.xlsx"
    mb = b"x" * (1 << 20)
    _rewrite(_template(tmp / "src.xlsx"), path, "xl/sharedStrings.xml", (b"PLACEHOLDER", mb), 300)
    return path


def lying_shared_strings_bomb(tmp: Path) -> Path:
    """The same 300 MB of shared string, but the directory says the part is 2 KB."""
    path = honest_bomb(tmp)
    _declare_size(path, "xl/sharedStrings.xml", 2048)
    return path


def lying_sheet_bomb(tmp: Path) -> Path:
    """300 MB of blanks inside the sheet XML (valid XML: read as is, it parses), declared as 4 KB."""
    path = tmp / "sheetbomb.xlsx"
    blanks = b" " * (1 << 20)
    sheet = "xl/worksheets/sheet1.xml"
    _rewrite(_template(tmp / "src.xlsx"), path, sheet, (b"<sheetData>", blanks), 300, keep=True)
    _declare_size(path, "xl/worksheets/sheet1.xml", 4096)
    return path


#: A workbook encrypted with a password ("s3cret") the way Excel does it (ECMA-376 agile encryption), made
#: once with msoffcrypto-tool 6.1 from a two-column sheet; zlib-compressed and base64-encoded here.
ENCRYPTED_XLSX = (
    "eNrtVwdUVMm2bXISJCO5aZKSugmSJOecswg23U2mGzoQBUkKAgISBgkSRSRIUASUnESCiKAIAioSFRQQJSnwL8rMc+aFP877f63/"
    "13rnrt11q+pW7Trn7FvVd+gxw+uCGo5p0B9MBUQC2tunApH/0EYEgPjXCv33+gH29vf3f23e/4/9v7JdAAf5IwFyR3qYy4OcUwCg"
    "PKxTAyUNgCMAaAHQATj6XQIgBgCMAJgOn/2P/f+yX99fksPy38k/MwAWAKwA2AAcA8AOgAMAJwAuANwAeADw/kcv/yfMAoQBLjwI"
    "DNIGoYESCwoC/Yyxgsh+2/Op/8kzYOTQoOX5KaJfSzLQobgAO2BFfGP1BdhRICTIDAQHWryAXzeg/t8ZBDiRfvTnz/BTAW0Pmb/3"
    "kYO0ACY8AEtgBQfMKBDuJ/w/BpyAv3KT/kn/f+yzAfiwAKMHkAU06OeNHkRM9LP+H7QZHfb9vffGQOn7p/k5AP6DvYPs8Oz/M/wH"
    "/yF8/ym/PhAHVyAaf864QETf/Kf4lsufj7/lN80fxN7tD1r8npG/X9/vTeYvxP9AJ2qHfVYAHxzgwX3zGQvy+Xn/f9Mf5f+C/3+/"
    "vj/6T/Sb/1R/gZ8ceN+xAJcPwPKzew/o29nz8/E/0OpD0D/af777/DMZ4AH4iQ//B//M/lNABvo/YUoAjAG/Ed9UgAPgCsRBAqT5"
    "LRIHyvcAyoM9SuIf7pS/fgMQ/UV+ysOx7j/MAf4T54LU/8C7+yO/1F98F+wOxx/spyEgHeBSAKmDpIESBvyKg06CZIG5dIA7GeBO"
    "8lubBrAyLaDnoFcdaJcEoi0JtMBAcsA6Dp4LBZn8RF7+7Fr/Wa5I/w39kALXwV6mpBro4w32R2FxHhi0MkRSAgYBo9AIDNID7aYM"
    "sbbSEZeHgHF4OBoJ98agUcqQIBQOoqpCrQQ8hA3yxQOjwMAMaJwyxB2P91WEQnEId5QPHCfh44HAYnAYV7wEAuMDxbi6eiBQUCkY"
    "TBb6t6GQ72MVfX9itBcqSPv7BBgs1BeOwwVgsMhfJ0L81YkQKCzeA+iD41EQFWowYEpAvxYcDwfj4N54S49gwHdJWQjYxRuD8Ppb"
    "FXhIwwMPeC91Eqi5w3Hu3/tkZSDfZvnNEB6+7iisurcbBuuBd/dRhqhrW0IOWzXd4R7obwH/9c4Yg0Rpamh+n/GHQZZ66iclpSDf"
    "1mQD9yYATL62Ct52/t7uog7WbkF2ATooV39fa3VlZQgYeugIEvBCH41HuQGTBIEPo49C6vnAEYaoIGDpQXI+Nm7SMAsdTyu5YIyC"
    "jLyrpp6vj6u0DtZLBwX3R9hL++sa2ogauKFQgXLuxl523q7BcrpmJpZwWVsLbxd3LUlTmWC8KRZq7W8sqScb6CKj7vdtBb/jOlyv"
    "i6x7sKE2Vp5gZSUvakPwc4XJ+eq7alif9MO641xt0ChDL3UrbaQRDEsguBBQBI1ABX+UqZmovb1LgJudBsIFZqzggbV0gAV46kDN"
    "FMw99aGeBLcf/f0xsTiV39Lwu3YwAevxb4tO5XcpVvJV/M1fIK5gnK8HWhNDQOMBpcAODPITUvq9eP5gv5PZ/6yy/iXvD6pD63ia"
    "GWgQXNzxQbJYSaS9na4VPMDtdzm3QWGBNwqF1QOI9NG+BCAOCALaGm1iB9ewd7cJOqlnY29lputvDoz6l7T/cMbDdcDtdAj6elZo"
    "aZSNj7ebhpU8WlvPwwxnoCApKuWjru8qRdDHGEoHaHrAvAKQDrqm8jJuSElDV3UDSW1vHM5SL8jAHGksqaOLM9d0N8ZoOVjhZbQc"
    "An7nB5DLQzIrrKiOPdLPxV7BDuWira3rj/R0waIQvggZTyQeaSSPkpKzsNeWhIqKBvxNjt+k8TsBHcoU+gedKv2wMapQ/zf7d+vh"
    "dxBTD69aoPC59Fzo45ySM5vB/HQTU7eLRypq5WWqNKj9mDM7sTGen2z2tyJj3jANCpkSmBjIBXZkLy92zFkXhmxd+TJ9JfYitlcI"
    "/sW8QoabOzVgIqiAtkdfz9+8OT+CZss68IaIzUrQja9VZ72MNG8pviQykmhjylrdp/JkWR3irHkG96Hxd8uOJYqIhgWDi+y1DcM+"
    "iVgLCzMkVOT3fNhvy9/mJ9e8oC/zRqRtQW5pSGC70LPv+acxZwoDodvKfaEf2+EeM3srWN5G6vwea07c5YsXbHsZI9SwbpCVDfts"
    "61ow1bvlfmhXo+ByfcLH2zvHLHIU0LNlnGj32IiOqCFY8zFiNb/cSZ+brZvzHhoqoJWqzjy3boUOZTYZ0TRZSdeIl7xOOqc206hL"
    "WqcR83nlBRZfjvjcqoBRWN+PWDY1GaHtTPXHkZTHbqgi8uev7MuOCFhcMa3lqySd0avxJzxRv9yLPK3KeexujYhdaKfw7HnTxw+O"
    "mITb2YXYuM2jfJ1u6HOSPtN5oyTdrdvYrRYuyF1VyjApIUfS8xjTPfOOJiJSmfUELweJ5cXoEXo+YzpEOOs52Ff/EnKsaf9or3Lr"
    "hloJfTU6nO+apnTQbgzJHMfK6T0oa64XrdbbxQioJEKT9L2FvaCuA9cY3RFW4msRGbrOV/QsZgU0Yq/BkJ+7WuyMEW5bcZcvl63m"
    "ls0+AN3T2m3ZtnsuIMcsHJ9P08ZAf2UfX5j/1HdQ7JPDMqeH7RznVXGt+PYt/3Lxhud5KQNicXIupceh2W7jBbVyF1XwzSZsT9fs"
    "d8+M8Lwr0nbhv2grpJ4lajUz4CJRiWaLPNmlxU8wxa3eIToiyt9aKSKcud9TOepHZJjmsNWxp3uf5La08Guw9OczjgW5TSG1E0rX"
    "DUhLrz62tbRuTSVs7jaQxpIcHR3YP4sxma7qvyJuPviL+ia9wTO4ZniiW9+a3PMYYvz9VEHpet6V+HckKU5xqH3qeK5nSgIlX7Ai"
    "/RPRXr0KazXYONI7a90vHoiTzY2CwavMtuphxyGgrpIM3eLTqYZqdsQ2zW6+tF8NJqey4wm2bDkPqk7HXB+vlS4xg68oPKfplKoe"
    "l3yvpRNPqDUvUpfz1Y1/w7mvvdLVfUf0xGeurWBfD5ZkbCyGRDfMWGF/XgWGGr6bzwJWC15+GePi6DUvd4K9GjUkqEx7A+GM5gnv"
    "EODCjTVuDuw7qgynhZkOnnInZSuTfVIRZIAXCzyezNr/xXW61izPk8xmkZbVVXsr/vh0ccgetenbwWHFbUbxcHj1CQItGeOQ4TFu"
    "4r37RToLKlSzzHFjKXZ8rosOLw3n7gVGm3GmBTAtTjtoThdISNd+Cbpxj+QIIWfc2VHcF6fA25jlK6A6OS5MxFrdEuXi+YoK3mUp"
    "xnF3qY4wuQ86P6M1xfWAsBMx7K4SKbh3B+yftEynPDlkKBYTVxCXjLHKV8ngwgRscT0TfCK/865Ftjp/SVJr9ERyX+UlQ22pSmYB"
    "KRNXRjy8iT/fVeNTUx1L1HP7MUd9rWyW027XpyIS1gdUSaU+dd7MtlsrNmLtfeuUXE/bG0OVvdC5yRU0IYcixHHchH60AesonvG6"
    "V7ok4Cet6sHJ/GAOc1TbehW3RVZjjUloC3si3rlSlnUtQin93QQ7iwnE84FfuOIK1GIzCcK/vuYRuBumRjOsEHkrWpkoMjUp98mY"
    "wVMCt2qCq8emperNpJb09hiDLYHYBu6cL8oZ5x7ffi6s7rP+Hnb2nGHNSgWdoMrep1j3IByetm1QjScGbdCb5/62XUXrLse5D1bu"
    "+w4iIdScT0rcHYYIO5HxeSTskpfPcnef6x7VWwoN0QAbbTi01Fw1//z+qlJqPsPOzunL56jABg1sLWeHoqqrNCTFdlL0mQvjUp/5"
    "nj9FVoVj8bSbvwlj0MhmmbOnlsCzw/X4EuNVONm1javjbydHniw7IRWWH+y0yNrQWXRnXv7LMC/yzaJCTPqYnuVH+PxAA6jpPl+a"
    "pG+4Yju5zhEjKZjhrf7XRq8saA3UZql0xt5JhB7rUia3lL6myzdT/RBRHvKxpEV6GEO98lB7DoO9fV5dOG0toF7nBstRh+GUnGFZ"
    "1gbu6qZmhYuKLCYp1tjGviQQzPv96a24tf1rjo9Xx8wxQpZrWkXENyK6K8yPz2rGHY8TiLfDx5kzW2x/mmhb0QvIzrpf6NBZhDp1"
    "xr7qUYFbtfkog1m+PM5afno+/4rfGRHY0LKttWhL/8J9vX7u0dpa0xzZt4xu4tJOp/dk/Sjirmg2sXzuChUnJWYXtYp6nX4MnRye"
    "JXfzpKff/LYymUl8+QfSptOp7ewXZ8kuSr2gMO+/G7fK7Exzm81ZsDGtZfZBvX+NqUP6nIWiCRW3Rl1jcsxgucnbOf5bsyqv2Cde"
    "jbHE0bE/fbo0g1famsanSnZ/LBGZuXxnu6G5m6L5NHinJi1tevvhNsM7E9JUCnS0xjQI1gh9XURPPsiVFroTduPNhPfTEoU7/mmK"
    "emP1ImPReQ+Lwe4XWvvGxR59IDoK1p6tA1mQTOGLh7WSRzeZLcaz3iITHsG9yUY+KDwiQNfOdNypv1FhFnR7fs5Y9ZgX5+4vVEpM"
    "PIQ7bZvSao0nlRNx2KchpK3cPelUSZF675ODt+zKnGbzEt+6QOdbTNy3RBMYbZU/Mj1w283FlKHGJEROQfjlHaisojbNOwopXg2v"
    "bw5H6ovxLmPWOY6XSilL844OLvNCeqmYVNt2kwJPFQa7GWxWkpMg+C+kO1bLgFN76jQcoAWY98x7E57OwyeIpt2Olrue0+NN/uyc"
    "W2Nhts0PHxdMObLAUXxBLjpenpTB8RIuNK8P2e7fljn5mspE71mSpX48n3IC+ImU95NnDJU3i9YgU+QbBYFMzect1FayaRDkFSV6"
    "J+o2fYZiQa+mBCEBRYhmPyh/h7TdS7tTqhzM16aIOD2zV0iDrq3XsjeU7oi8ajuv4KDfvm557OZ+gBmd/11vFtLZ/sdPa0bipLe2"
    "dLXcc5OYOgqgSspOVV+Hmh+VYXq88Cv2qjRo+uijjxNnRpppedFqNrEm2XHFYGvGCd/swsG9pk/DUYZNwgVMLJmtWaestAZdA0bk"
    "7m4Gu5y33Cx6do89hF0ud6dTlE6A26ShTqHcr5xfZXEFSvMEI+y8qzm/7nE+1IL6VWLDtjNmw3U8ajTg4pSPfLp5ExXBCbHBGxLx"
    "tdbr3nURpuwMkQnNFZGN8638cKiopRiNcT7ubZTLQ78ivUxDztL4ZOmp1CLqsNTYEdV6/asmptpxBUcHlW+Nph0Vuwk65+HSCwm4"
    "fevrBUfDoftDycuBtBe4s0joeZWKSOj5nuK+ks/gdxJvNoddunu9/u399OaiBcwrL7KdUPV+rge1J6JXbyBmS4/O2x6/cQ/CupDZ"
    "9WidToPk/UpQh26KWetiRsIr5NKL05WhW0UVXOZEAibp1/ShsKji0Xtd65eyhQpHnhh96LPLaKul7BBIuFEwnLSI1WK8v+vbCvY6"
    "lRrSMPK+qbxlRszhWXsJho0EGbKZKNZ6Qc7qlkWmPHekUwWHZkj7cGJ/4vSOKHYvgqNuMCWBxbXp9b6JpTmBbRN5dkFhRdJsN3Jt"
    "gyt1p+h6Td7KjUSl3Dy1pSUEE+e5VYvF9OnbpphW2u2I9FpLq5hnsiWJnWrRPk25SjueT5d8MxC6929zfpHoKXXTJ965w5xLeWFT"
    "eJEW2u2fNjE07rSR4OK12ZKw5F9+ZSChiyLmZsvMkRGWMjx8J6IrULts27e0nLubF0IBFZY8WfM2pW/cK666TphyPDkHlvRmTMKF"
    "oTPbg/WuXzNl5utN9cWTyDB5HQ7WjwuS1QsFXEoxMJy86nacibxoQW5iC8QFvLu9MW7mr2f5nNj5rVdD42MZssKYK6aKEpd5LGFI"
    "hggKrf7z60e6VkaXlWv5KXk/xNYXFqSZ4T6xjMLk0ZZvMaopNqqFrbOYNpJCSU6DvQ6Fy9ZiFSMDW1fKOkeemt4TNHadz0F35/Bu"
    "TjNTG3Vbf5BvCtkn3ZIgFwt6vZNZLEb04JeH8+9kueUIxX5ok4ILyKovMp97pFcLwPWZ232URZae/fMqnPla67vsIFbIQymhXp9b"
    "Dp/ahK4eC26v7/Mc9jjBJ2PvKCuUqFrVVh+xvQVvEe+zJlq1A22VljhQkg4knJo7hRQnOcl0h8Fwde+MD9FFSXom3kdbLBYajQvb"
    "rzmORykeKUb2p5LOY62vXn412eDl1G6izMkDE7NTj3lzr630eCA+Ff1CpMzZLGtcuuZdvqm1mtEWiIFXY0RU/iyWXZ6Om7+Ohj5F"
    "ANrORILleewlqEc544FSDPbf9flodtF6r7ZgPL33ApFZ59OHncMmd0jYFUhzXlxGk2ikv+l4uIALdYu/WD4kCmrbQUr2uIfJZ+p9"
    "eVs1v79EUeZ86wLrsgspeI2u3eSR0Tm6O+9MX65LKbOUbUjML0E3XPJ0h8bVC1E1r5lhx7QhZXXyj+il+UREwWR0W64BxrbuNKYM"
    "4aBg6Ujv1fMN9kaBkwMlhKbF4H1q0sCnWD1u9Q2l/umnfuKD6bT5AzuKZ2fJt4e4ro8PZyjetHE5PiOCmecFl/GAg6XyYomDPWu6"
    "fBZN4s/FeGZSZEVpv9qri1jnXtpV1LtcrrEde6ryoRHK7vp86SMPHZi8UVD7cTpY0osl4rsbuiMgQ1b2admA+7r8eYR1DsNBxj7W"
    "zI6IlVNO3u+GAmxVhYgbI9i0RIul/dxePFFcUnXiVx1wLLZ8h+nyDRz8FPtlgcyqxK9+Sen5/io7WKpxj2rhJUWI8+dMRADwxQxu"
    "l+555pGKGki563Pp/bMwovCLWmn+TImRXremOQbJKy+IT0FmkVKf6Ef9x1VnKXeLUkvsMQZsZ5CmWRzPK92yggoSovFiT55Hlz5j"
    "/vrYLpTbRvTqHNI3jDNwIvyooJXzl4HxjRdrUgVvFN1jIH1TJ+WEhy2PnkDHqxAbiG8/mFhqK+KflOSS+pxGx8hrRb3WtbBpQxTh"
    "vf01a3Fu+PqdXKMQvuxX74U+fiy7syEU+3k9ymjlMRWSzgo/A/KicV7yLC6GI4LDJu28OghlkCaUV/Usg9qJBhPZUKGt63W+2+aa"
    "O1cqTtryecUK2e2aiZVMsNUSwvr3Jzyh7ygux2NBC69OX1cYfSNEK2XElHaTJ8rK7dzSp7i4LL8p5qlHPBgL9oLNKlbN9zkjYK0V"
    "psqlHiqJN0gFcN64/jaYv5oFQbN0S40cyRss+rDLdcZ9s/US8+CVbpGhC0T+LebQucwreCtjYz/36wjYFzmh6hfLu51tDVBXknRq"
    "0XPw4E7zpgr+NIH7LF2vnMK4m2MWlw2xZ99lxYJmTJv5+trFvSg5c5GR9nIRjBta+qG8UwxeQ2WDNE/sczqZGPwJY0dZJj+CdlHm"
    "rGSB27UFRTR1Ke9ynrdyrRdIZApi51U/ldysVu81ZxjYmi7fokuCHHlcaM9J9TWd/hRNvUh3lx6pV2WVTpivt+ZZK1Uj1vbt6GIV"
    "bX7upuHiU80WH80Vld2VriYRjHUidwNd5X6hMNVCZvkFM0COS+uEP1RtLQy0flPJXYezrTYyk+eec9dwpPZA3Fu0ynxRp2iXo5CB"
    "l3d1NG1NNOETfVT0In5FiiqmSlPSkV7z1skMl/oHDxHBnh22fZolOcVZBoHVVy82RvK3HSXnjcIXfLh7os6xOabn4Rq0UwX7yzH7"
    "tZTA3vNwCTbvY4EdW8cEEml6yo7eZ3TNCOBZXnWcpgkXnGtXMH/5i3KiV0/3WZEl4/5rjRHlD8ma4hjlCUIu0exVpbd1gtx6/Ftb"
    "Pvc28OLO5qF3BiecRQ2nUgzKXdu/KBZRUgo8qucWkuryzphjfQHp5bn3lgH9jk6I3p2qvELsY4x3CmP6WvXjQu771HFFz/doeTJy"
    "1sOGDXRJZnR4j5Z6oPuvhsqpWVteZc31rSLC6NlfD8pa5ylYZrXkxEbxlPnLdK/zD1RaaJG0Xi3mWLaKmWKp7RJkqXgkfLMtML/x"
    "pXehINfgwKuEzeOOdEqwfpJ+3ZCMpTGqh2+q3qQ3GIu9k/56o+SStT/lJ5vHvboFyTa58posY36u44WtCUnwB9H6C9sVPfsX1h5R"
    "U748ktCVodZuSi10toD5no4axzkjzsK3RI/34jwDN+2W3s9xyrenPW/pJqXTyyeh6yjcMRd9v0oYH+g8G3Km1zznc4Hl4htP3nb6"
    "srQN6h1nEdEYoa82DGDvJ1rBRqfxFqImxjc+z4Eum7Nx8q5ZSZ8ZzSOGPI/k0MWA7kLZvZaDqQcjl29Pmbw2fVr9XhH/UbSmlYsx"
    "+thw9PkTLEwuuZKIRBVcZczHSq5CgSKyqsyQ8aBJpSM8M52lhiEmhdu5b87mvumxaQtamr16ha2JToyGL/x6nSI6NsJOo1ZgTw2T"
    "hPZvEO6lYrucVeHMvoIRnaqRj6mXO9J1VLGLJmOEcSmRyIwcrxAWkHAWZuT04YN5dmb/xOfzn3Obq7epj8jtPLcVSM5YGGF8omic"
    "GZlbUXDJik1bCyWSeEnQJS0qgy+YRKr9F6/VlMKZwpoW5pciQS69L85QTrzPe8mXL0IhQkS1QevG5w35YlevFTugUZuoxfuWStFp"
    "cl67jmOQ6ZaSAfUqk4alY27SXTAqQN+enFyV7pJA9VPr20n0rU/q6DpK8fQVwc/fZviPSOlLKkAkH5XJ5MIDRXJni2IeKVdV6vc2"
    "UDVJo2f2w237QjvSSXU32gdXrfzlP0Steb8kHXJ3mVxAtqZIMCiEXItJayPyruXY0nvi9X4SSnexfbZp6kOMCXDEfu3chJkVJ0WQ"
    "S01yu03CP4vcrbAiFxmy0O121swK3GzuKwmoXd+zbua/y6Am1vUk14S0ZscxNzwr7aXsmMjiFr10T9x2/PQqrze9Nvy2L60U7zhH"
    "hnO5tYSqzoPQibSLDZTbQTG6bEvKJ2VH0Q+SPpaGR/RV0ueZUIW8broWmX3ncmDDxz5i+HboLPF8u1ukiyRb8linPp+RqGb5fpx4"
    "HXODi8rnD8t6zMqG4yM0nWWTXeZcp89K87UZ9+lLMsaZHrsanNp0m6nLKPpZoeynQjbKZGczZvVGZQx9knYUiuh1X3anZejephhV"
    "k0l0ZLmhDR+PTp9T0K6hovB5EULpdW7eD41Va5Ck0BKXbqbiW1TdBsyg/9hfsv8Cfj9PhA=="
)


def encrypted(tmp: Path, name: str = "locked.xlsx") -> Path:
    path = tmp / name
    path.write_bytes(zlib.decompress(base64.b64decode("".join(ENCRYPTED_XLSX))))
    return path


def wide_csv(tmp: Path) -> Path:
    header = ["E-mail", *(f"col{i}" for i in range(1, 16_384))]
    return _csv(tmp / "wide.csv", [header, ["zoe@exemple.fr"]])


def wide_xlsx(tmp: Path) -> Path:
    path = tmp / "wide.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Leads")
    ws.write_row(0, 0, ["E-mail", *(f"col{i}" for i in range(1, 16_384))])
    ws.write_row(1, 0, ["zoe@exemple.fr", *(str(i) for i in range(1, 16_384))])
    wb.close()
    return path


def big_cell_csv(tmp: Path) -> Path:
    rows = [["E-mail", "Notes"], ["zoe@exemple.fr", "ok"], ["bob@exemple.fr", "x" * (1 << 20)]]
    return _csv(tmp / "bigcell.csv", rows)


def big_cell_csv_exact_parser(tmp: Path) -> Path:
    """A lone CR line ending sends the file to csv.reader, whose own field limit is 1 MB."""
    path = big_cell_csv(tmp)
    data = path.read_bytes().replace(b"ok\r\n", b"ok\r", 1)
    path.write_bytes(data + b"carl@exemple.fr," + b"y" * (2 << 20))
    return path


def big_cell_xlsx(tmp: Path) -> Path:
    path = tmp / "bigcell.xlsx"
    _rewrite(_template(tmp / "src.xlsx"), path, "xl/sharedStrings.xml", (b"PLACEHOLDER", b"x" * (1 << 20)))
    return path


HTML = b"<!DOCTYPE html>\n<html><body><table><tr><th>E-mail</th></tr><tr><td>zoe@exemple.fr</td></tr></table>"


def html_csv(tmp: Path) -> Path:
    path = tmp / "export.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n  " + HTML)
    return path


def html_xls(tmp: Path) -> Path:
    path = tmp / "export.xls"
    path.write_bytes(HTML)
    return path


def _csv(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline_mb(tmp_path_factory: pytest.TempPathFactory) -> float:
    """Peak RSS of validating a two-line CSV: what the CLI needs whatever the file."""
    tmp = tmp_path_factory.mktemp("baseline")
    path = tmp / "tiny.csv"
    path.write_text("E-mail;Nom\r\nzoe@exemple.fr;Zoé\r\n", encoding="utf-8")
    run = run_measured(tmp / "home", "validate", str(path), "--json")
    assert run.code == 0, run.err
    return run.peak_mb


@pytest.mark.parametrize(
    ("build", "code", "max_seconds", "max_extra_mb"),
    [
        (honest_bomb, "workbook_too_large", 20, 100),
        (lying_shared_strings_bomb, "corrupt_workbook", 20, 100),
        (lying_sheet_bomb, "corrupt_workbook", 20, 100),
        (encrypted, "encrypted_workbook", 20, 100),
        (lambda tmp: encrypted(tmp, "locked.csv"), "encrypted_workbook", 20, 100),
        (wide_csv, "too_many_columns", 30, 200),
        (wide_xlsx, "too_many_columns", 30, 200),
        (big_cell_csv, "cell_too_large", 30, 200),
        (big_cell_csv_exact_parser, "cell_too_large", 30, 200),
        (big_cell_xlsx, "cell_too_large", 30, 200),
        (html_csv, "html_file", 20, 100),
        (html_xls, "html_file", 20, 100),
    ],
    ids=["zip-bomb", "zip-bomb-lying-shared-strings", "zip-bomb-lying-sheet", "encrypted-xlsx",
         "encrypted-named-csv", "16k-columns-csv", "16k-columns-xlsx", "1mb-cell-csv", "1mb-cell-csv-exact",
         "1mb-cell-xlsx", "html-as-csv", "html-as-xls"],
)
def test_unusable_file_is_one_clear_sentence(tmp_path: Path, build: Callable[[Path], Path], code: str,
                                             max_seconds: float, max_extra_mb: float,
                                             baseline_mb: float) -> None:
    path = build(tmp_path)
    for lang, args in (("en", ["--json"]), ("fr", ["--lang", "fr"])):
        run = run_measured(tmp_path / f"home-{lang}", "validate", str(path), *args)
        assert run.code == 2, (run.out, run.err)
        sentence = one_sentence(run.err)
        assert path.name in sentence
        assert run.seconds < max_seconds, f"took {run.seconds:.1f} s"
        assert run.peak_mb < baseline_mb + max_extra_mb, f"peak RSS {run.peak_mb:.0f} MB ({baseline_mb:.0f})"
        if lang == "en":
            failure = one_json(run.out)
            assert (failure["error_code"], failure["exit_code"], failure["error"]) == (code, 2, sentence)
        else:
            assert run.out == ""
            assert sentence != failure["error"]  # worded in French, not the English sentence


# --- hostile but readable ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Readable:
    name: str
    data: bytes
    total: int
    invalid: dict[int, str]  # spreadsheet row -> the error code the report gives it
    mapping: dict[str, str | None]
    encoding: str
    delimiter: str


MIXED = (
    b"E-mail,Nom,Notes\r\n"
    b"a@exemple.fr,Un,lf next\n"
    b"b@exemple.fr,Deux,cr next\r"
    b'c@exemple.fr,Trois,"multi\nline\r\ncell"\r\n'  # row 4, one row in Excel
    b"\r"  # row 5: blank, skipped but numbered
    b"pas-un-email,Cinq,\n"  # row 6
    b'd@exemple.fr,Six,"say ""hi""\r"\r'  # row 7
    b"e-at-exemple.fr,Sept,last line without newline"  # row 8
)
SEP = (b"sep=;\r\nE-mail;Nom, Pr\xc3\xa9nom;Ville\r\n"
       b"a@exemple.fr;Dupont, Jean;Lyon\r\nb@exemple.fr;Durand, Luc;Paris\r\n")
NUL_CELL = b"E-mail;Nom;Divers\r\na@exemple.fr;Ze\x00ro;ok\r\nb@exemple.fr;Un;ok\x00\r\n"
NUL_HEADER = (b"E-mail;Soci\x00\xc3\xa9t\xc3\xa9;Nom\x00\r\n"
              b"a@exemple.fr;ACME;Dupont\r\nb@exemple.fr;Globex;Durand\r\n")


def _utf16(codec: str) -> bytes:
    """A UTF-16 file without BOM, longer than the 1 MB detection sample, accents and a CJK name included."""
    rows = [f"Zoé{i};zoe{i}@exemple.fr;06 {i // 10_000:02d} {i // 100 % 100:02d} {i % 100:02d} 00"
            for i in range(30_000)]
    lines = ["Prénom;E-mail;Téléphone", *rows, "张伟;zhang.wei@exemple.cn;"]
    return ("\r\n".join(lines) + "\r\n").encode(codec)


READABLE = [
    Readable("mixed.csv", MIXED, 6, {6: "invalid_email", 8: "invalid_email"},
             {"E-mail": "email", "Nom": "last_name", "Notes": "notes"}, "utf-8", ","),
    Readable("sep.csv", SEP, 2, {}, {"E-mail": "email", "Nom, Prénom": None, "Ville": "city"}, "utf-8", ";"),
    Readable("nul-cell.csv", NUL_CELL, 2, {2: "nul_byte"}, {"E-mail": "email", "Nom": "last_name"},
             "utf-8", ";"),
    Readable("nul-header.csv", NUL_HEADER, 2, {},
             {"E-mail": "email", "Société": "company", "Nom": "last_name"}, "utf-8", ";"),
    Readable("utf16le.csv", _utf16("utf-16-le"), 30_001, {},
             {"Prénom": "first_name", "E-mail": "email", "Téléphone": "phone"}, "utf-16-le", ";"),
    Readable("utf16be.csv", _utf16("utf-16-be"), 30_001, {},
             {"Prénom": "first_name", "E-mail": "email", "Téléphone": "phone"}, "utf-16-be", ";"),
]


@pytest.mark.parametrize("case", READABLE, ids=[c.name for c in READABLE])
def test_hostile_but_readable_file_is_read_correctly(tmp_path: Path, case: Readable) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.data)
    report = tmp_path / "report.csv"
    run = run_measured(tmp_path / "home", "validate", str(path), "--json", "--report", str(report))
    assert run.code == (1 if case.invalid else 0), run.err
    assert "Traceback" not in run.err
    result = one_json(run.out)
    assert (result["total_rows"], result["invalid_rows"]) == (case.total, len(case.invalid))
    assert (result["encoding"], result["delimiter"]) == (case.encoding, case.delimiter)
    assert {h: f for h, f in result["mapping"].items() if h in case.mapping} == case.mapping
    assert all("\x00" not in h for h in result["mapping"])
    with report.open(encoding="utf-8-sig", newline="") as f:
        lines = list(csv.reader(f, delimiter=case.delimiter if case.delimiter in ",;" else ","))
    reported = {int(line[0]): line[1] for line in lines[1:]}
    assert sorted(reported) == sorted(case.invalid)
    words = {"invalid_email": "Invalid email", "nul_byte": "NUL"}
    assert all(words[code] in reported[row] for row, code in case.invalid.items())


def test_mixed_line_endings_keep_multi_line_cells_whole(tmp_path: Path) -> None:
    """The rows of MIXED, cell for cell: a quoted CR or LF stays in its cell; the blank row 5 is skipped."""
    from crm_importer.engine.readers import open_table

    path = tmp_path / "mixed.csv"
    path.write_bytes(MIXED)
    reader = open_table(path)
    rows = [r for batch in reader.batches() for r in batch.select("__row", "c0", "c2").iter_rows()]
    assert rows == [
        (2, "a@exemple.fr", "lf next"),
        (3, "b@exemple.fr", "cr next"),
        (4, "c@exemple.fr", "multi\nline\r\ncell"),
        (6, "pas-un-email", ""),
        (7, "d@exemple.fr", 'say "hi"\r'),
        (8, "e-at-exemple.fr", "last line without newline"),
    ]


def test_a_nul_in_a_header_does_not_break_the_import(pg_dsn: str, tmp_path: Path) -> None:
    """The header's name goes to the CRM as data (import_jobs.column_mapping, jsonb): without its NUL."""
    path = tmp_path / "nul-header.csv"
    path.write_bytes(NUL_HEADER)
    run = run_measured(tmp_path / "home", "import", str(path), "--db", pg_dsn, "--as", ADMIN, "--json")
    assert run.code == 0, run.err
    result = one_json(run.out)
    assert (result["status"], result["imported_rows"]) == ("completed", 2)
    mapping = crm_job(pg_dsn, result["job_id"])["column_mapping"]
    assert mapping == {"E-mail": "email", "Société": "company", "Nom": "last_name"}
    assert query(pg_dsn, "SELECT company FROM public.leads ORDER BY import_row") == [("ACME",), ("Globex",)]
    assert json.dumps(mapping)  # plain data
