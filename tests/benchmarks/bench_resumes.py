"""Benchmark: reading résumé files (sniff, extract, parse into fields) beside pypdf's text extraction alone.

    make bench-resumes   (or: python -m tests.benchmarks.bench_resumes [--count 500] [--seed 18])

Writes --count résumés in memory with the test generator (tests/bot/resumes/generate.py: reportlab PDFs in one
and two columns, python-docx files as paragraphs, tables and two columns; Chinese and English; one and two
pages), packs them in a .zip, then prints résumés per second for:
  1. read_zip on the archive (limits checked, every member inflated);
  2. read_resume on every file: the format sniffed from its bytes, the text extracted, the fields parsed;
  3. the baseline, same run, same PDFs: pypdf's PdfReader + extract_text alone (the floor of the PDF path);
  4. a bulk upload's parse + screen: the .zip read, every file read and matched to its sheet row
     (bot/bulk/resumefiles.py), every row screened by 柜员's rules with the résumé's fields (bot/bulk/screening.py).
The target is ≥ 20 résumés/s on a 2-core machine. The machine's other load shows in every line alike; compare the
ratio.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import time
import zipfile


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500, help="résumés to generate")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)

    from pypdf import PdfReader

    from bot.bulk import resumefiles
    from bot.bulk.screening import Screener
    from bot.bulk.sheets import Row, Sheet
    from bot.positions.catalog import POSITIONS_DIR, parse_position
    from bot.resumes.intake import read_resume
    from bot.resumes.safezip import read_zip
    from scoring import text
    from tests.bot.resumes.generate import corpus

    start = time.perf_counter()
    files = corpus(args.count, args.seed)
    generated = time.perf_counter() - start
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for _, name, data in files:
            archive.writestr(name, data)
    pdfs = [data for _, name, data in files if name.endswith(".pdf")]
    size = sum(len(data) for _, _, data in files) / len(files)
    print(f"{args.count} résumés ({len(pdfs)} PDF, {args.count - len(pdfs)} DOCX; {size / 1024:.0f} KB on "
          f"average; written in {generated:.1f} s); .zip {len(buffer.getvalue()) / 1e6:.1f} MB; {os.cpu_count()} cores")

    read_resume(files[0][2], files[0][1])  # jionlp's and pypdf's first-use costs, once per process
    start = time.perf_counter()
    members = read_zip(buffer.getvalue())
    t_zip = time.perf_counter() - start
    assert all(m.ok for m in members) and len(members) == args.count

    start = time.perf_counter()
    outcomes = [read_resume(m.data, m.name) for m in members]
    t_read = time.perf_counter() - start
    failed = [o.filename for o in outcomes if not o.ok]

    start = time.perf_counter()
    for data in pdfs:
        "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    t_pdf = time.perf_counter() - start
    start = time.perf_counter()
    pdf_outcomes = [read_resume(data, "x.pdf") for data in pdfs]
    t_pdf_full = time.perf_counter() - start
    assert all(o.ok for o in pdf_outcomes)

    teller = parse_position(POSITIONS_DIR / "teller.yaml")
    screener = Screener(teller["rubric"]["screening"], teller["description"],
                        extra_terms=[text.rubric_reference(q) for q in teller["questions"]])
    sheet = Sheet([Row(n + 2, {"name": spec.name, "phone": spec.phone}) for n, (spec, _, _) in enumerate(files)],
                  [], {}, [])
    start = time.perf_counter()
    matched = resumefiles.match(sheet, resumefiles.read_files(buffer.getvalue()))
    verdicts = screener.screen_many([row.fields for row in matched.rows])
    t_bulk = time.perf_counter() - start

    rate = args.count / t_read
    print(f"read_zip (.zip → checked members):        {args.count / t_zip:8.0f} résumés/s  ({t_zip:.2f} s)")
    print(f"read_resume (sniff + extract + parse):    {rate:8.1f} résumés/s  ({t_read:.2f} s; "
          f"{len(failed)} not read)")
    print(f"  of which PDFs alone:                    {len(pdfs) / t_pdf_full:8.1f} résumés/s")
    print(f"baseline: pypdf extract_text alone (PDF): {len(pdfs) / t_pdf:8.1f} résumés/s  "
          f"(read_resume on PDFs / this = {(len(pdfs) / t_pdf_full) / (len(pdfs) / t_pdf):.2f})")
    bulk_rate = args.count / t_bulk
    print(f"bulk parse + screen (.zip → rows → 柜员):  {bulk_rate:8.1f} résumés/s  ({t_bulk:.2f} s; "
          f"{len(matched.files)} matched, {sum(v.passed for v in verdicts)} passed)")
    print(f"target ≥ 20 résumés/s: {'met' if min(rate, bulk_rate) >= 20 else 'MISSED'}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
