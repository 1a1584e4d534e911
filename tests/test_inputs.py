"""Reports as they are published: web pages, Word documents and PDFs besides text files, in
the encodings Chinese text comes in. Each format gives the same plain text as the report
typed into a .txt, so the same entities are found; a file that cannot be read reliably is one
line naming it, and the rest of a batch is still tagged.

Every fixture is built here, in tmp_path: python-docx writes the .docx, reportlab the PDF
(with its built-in Chinese font STSong-Light, which PDF readers know without embedding)."""

import io
import json
import zipfile

import pytest

from fazhi.extract import extract
from fazhi.io import InputError, read_report

REPORT = """某市2023年法治政府建设年度报告
2023年，某市坚持全面推进依法行政，法治政府建设取得新成效。现将有关情况报告如下。
一、主要举措和成效
（一）推进政府职能转变。全年制定《某市行政规范性文件管理办法》，办理行政复议案件123件，行政诉讼败诉率下降到3.5%，比上年降低1.2个百分点。
（二）加强行政执法监督。市司法局组织行政执法人员培训200人次，开展行政执法案卷评查15次，发现并督促整改问题42个。
二、存在的不足和下一步安排
基层执法力量仍然不足，部分领域执法不够规范。2024年，将继续贯彻《中华人民共和国行政复议法》，提升依法行政水平。
"""
PARAGRAPHS = REPORT.splitlines()

# Traditional script, as a report from Taiwan, Hong Kong or Macao is written in Big5.
TRADITIONAL = """區司法局2023年法治政府建設年度報告
一、主要舉措和成效
全年辦理行政複議案件319件，組織行政執法人員培訓200人次，制定《行政執法監督辦法》。
"""


# --- fixtures: the same report in each format ---------------------------------------------------

def html_page(paragraphs=PARAGRAPHS, charset="utf-8") -> str:
    """A government site's page: banner, menu, breadcrumbs and footer around the article."""
    title, *body = paragraphs
    blocks = "".join(f"<h2>{p}</h2>" if p[:2] in ("一、", "二、") else f"<p>{p}</p>"
                     for p in body)
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>'
            '</head><body><div class="banner">某市人民政府门户网站</div>'
            '<nav><ul><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li>'
            '<li><a href="/bsfw">办事服务</a></li><li><a href="/hdjl">互动交流</a></li></ul></nav>'
            '<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>'
            f"<article><h1>{title}</h1>{blocks}</article>"
            "<footer><p>主办：某市人民政府办公室 版权所有</p><p>联系我们 | 网站地图</p></footer>"
            "</body></html>")


def write_docx(path, paragraphs=PARAGRAPHS, table=None):
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "某市人民政府"  # not body text
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    document.save(path)
    return path


FONT = "STSong-Light"


def write_pdf(path, paragraphs=PARAGRAPHS, *, lines_per_page=7, header="某市人民政府办公室",
              encrypt=None, text=True, pictures=0):
    """Typeset as a Chinese report is: paragraphs indented by two characters, lines filled to
    the right margin, a running header and a page number on every page. Seven lines a page
    breaks paragraphs across pages. `pictures`: pages that are only an image, as a
    scanned page is, added at the end."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    size, left, width, top = 12, 72, 360, 760
    lines = []
    for p in paragraphs:
        line, indent = "", 2 * size
        for ch in p:
            if pdfmetrics.stringWidth(line + ch, FONT, size) > width - indent:
                lines.append((indent, line))
                line, indent = "", 0
            line += ch
        lines.append((indent, line))
    pdf = canvas.Canvas(str(path), encrypt=encrypt)
    pages = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    for number, page in enumerate(pages, 1):
        if text:
            pdf.setFont(FONT, 9)
            if header:
                pdf.drawString(left, 800, header)
            for k, (indent, line) in enumerate(page):
                pdf.setFont(FONT, size)
                pdf.drawString(left + indent, top - 20 * k, line)
            pdf.setFont(FONT, 9)
            pdf.drawCentredString(left + width / 2, 40, f"- {number} -")
        else:  # a scan: the page is a picture of text
            pdf.setFillGray(0.3)
            for k in range(len(page)):
                pdf.rect(left, top - 20 * k, width, 10, fill=1, stroke=0)
        pdf.showPage()
    for _ in range(pictures):
        from PIL import Image
        from reportlab.lib.utils import ImageReader

        pdf.drawImage(ImageReader(Image.new("L", (60, 80), 128)), left, 300, width, 480)
        pdf.showPage()
    pdf.save()
    return path


# --- each format gives the report's text --------------------------------------------------------

def test_a_web_page_gives_its_main_text_without_menus_banners_or_footers(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(html_page(), encoding="utf-8")
    got = extract(page, page.read_bytes())
    assert (got.text, got.encoding, got.format) == (REPORT, "utf-8", "html")


def test_a_gbk_web_page_is_decoded_by_its_declared_charset(tmp_path):
    page = tmp_path / "report.htm"
    page.write_bytes(html_page(charset="gb2312").encode("gb18030"))
    got = extract(page, page.read_bytes())
    assert (got.text, got.encoding) == (REPORT, "gb18030")


def test_a_word_document_gives_its_paragraphs_and_tables_in_order(tmp_path):
    path = write_docx(tmp_path / "report.docx", table=[["指标", "数值"], ["行政复议案件", "123件"]])
    got = extract(path, path.read_bytes())
    assert got.text == REPORT + "指标\t数值\n行政复议案件\t123件\n"
    assert (got.encoding, got.format) == (None, "docx")


def test_a_pdf_gives_its_paragraphs_without_headers_or_page_numbers(tmp_path):
    path = write_pdf(tmp_path / "report.pdf")
    got = extract(path, path.read_bytes())
    assert (got.text, got.encoding, got.format) == (REPORT, None, "pdf")


def test_a_pdf_paragraph_broken_across_pages_is_one_line(tmp_path):
    # (a header on one page is not running: it is the page's text)
    one_page = extract(p := write_pdf(tmp_path / "a.pdf", lines_per_page=50, header=None),
                       p.read_bytes())
    two_lines_a_page = extract(p := write_pdf(tmp_path / "b.pdf", lines_per_page=2),
                               p.read_bytes())
    assert one_page.text == two_lines_a_page.text == REPORT


def test_a_pdf_with_a_scanned_page_says_which_page_lost_its_text(tmp_path, caplog):
    path = write_pdf(tmp_path / "report.pdf", lines_per_page=50, header=None, pictures=1)
    assert extract(path, path.read_bytes()).text == REPORT
    assert "page(s) 2 are pictures without a text layer (scanned?)" in caplog.text


def test_each_format_gives_the_entities_of_the_same_text_as_txt(tmp_path, nlp):
    from fazhi.tag import read, record

    (tmp_path / "report.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "report.html").write_text(html_page(), encoding="utf-8")
    write_docx(tmp_path / "report.docx")
    write_pdf(tmp_path / "report.pdf")
    reports = [read(tmp_path / f"report.{ext}") for ext in ("txt", "html", "docx", "pdf")]
    records = [record(doc, rep) for doc, rep in
               zip(nlp.pipe(rep.text for rep in reports), reports)]
    entities = [[(e["start"], e["end"], e["label"], e["text"]) for e in rec["entities"]]
                for rec in records]
    assert entities[0] and all(found == entities[0] for found in entities)
    assert {"INDICATOR", "REGULATION"} <= {e[2] for e in entities[0]}
    for rec in records:  # every offset refers to the record's own text
        assert rec["text"] == REPORT
        assert all(rec["text"][e["start"]:e["end"]] == e["text"] for e in rec["entities"])
    assert [r["format"] for r in records] == ["text", "html", "docx", "pdf"]


# --- encodings --------------------------------------------------------------------------------

@pytest.mark.parametrize("data, encoding", [
    (REPORT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + REPORT.encode("utf-8"), "utf-8-sig"),
    (REPORT.encode("utf-16"), "utf-16"),  # with a byte-order mark, as Notepad saves it
    (b"\xfe\xff" + REPORT.encode("utf-16-be"), "utf-16"),
    (REPORT.encode("gb18030"), "gb18030"),
])
def test_chinese_encodings_are_detected_and_recorded(tmp_path, data, encoding):
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    assert read_report(path) == (REPORT, encoding)


def test_a_big5_report_is_read_as_big5_not_as_gb18030_garbage(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(TRADITIONAL.encode("big5"))
    assert read_report(path) == (TRADITIONAL, "big5")


def test_a_long_traditional_report_in_big5_and_in_gb18030(tmp_path, short_report):
    text = short_report.encode("cp950", errors="ignore").decode("cp950")
    for encoding, codec in (("big5", "cp950"), ("gb18030", "gb18030")):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(text.encode(codec))
        assert read_report(path) == (text, encoding)


def test_big5_has_the_characters_windows_adds_to_it(tmp_path):
    text = "裏碁銹墻恒" + TRADITIONAL  # cp950's additions to Big5
    path = tmp_path / "r.txt"
    path.write_bytes(text.encode("cp950"))
    assert read_report(path) == (text, "big5")


# --- bad input: one line naming the file and what is wrong ------------------------------------

def _truncated_docx(tmp_path):
    data = write_docx(tmp_path / "whole.docx").read_bytes()
    return data[:len(data) // 2]


def _zip_of_other_things(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "not a Word document")
    return buf.getvalue()


BAD = {
    "scan.pdf": (lambda t: write_pdf(t / "x.pdf", text=False).read_bytes(),
                 "a PDF without a text layer (a scan?); run OCR on it first"),
    "locked.pdf": (lambda t: write_pdf(t / "x.pdf", encrypt="secret").read_bytes(),
                   "an encrypted PDF that needs a password"),
    "truncated.docx": (_truncated_docx,
                       "damaged .docx (not a whole zip archive; truncated or corrupt)"),
    "archive.docx": (_zip_of_other_things, "a zip archive but not a Word document"),
    "menu.html": (lambda t: ("<html><body><nav><a href='/'>首页</a><a href='/a'>政务公开</a>"
                             "</nav><footer>版权所有</footer></body></html>").encode(),
                  ("no main text in this web page (only navigation, banners or footers "
                   "were found)")),
    "no-bom.txt": (lambda t: REPORT.encode("utf-16-le"),
                   ("looks like UTF-16 (little-endian) without a byte-order mark, which is "
                    "refused because its byte order would be a guess; save it as UTF-8 (or as "
                    "UTF-16 with a byte-order mark)")),
    "latin1.txt": (lambda t: "Rapport annuel, écrit en français.".encode("latin-1"),
                   "not valid UTF-8 (byte 16), GB18030 or Big5 text"),
    "text.pdf": (lambda t: REPORT.encode(), "named .pdf but is not a PDF (no %PDF- header)"),
    "page.txt": (lambda t: html_page().encode(), ("named .txt but is a web page (HTML); "
                  "rename it .html")),
    "report.txt": (lambda t: write_pdf(t / "x.pdf").read_bytes(),
                   "named .txt but is a PDF file; rename it .pdf"),
    "pdf.docx": (lambda t: write_pdf(t / "x.pdf").read_bytes(),
                 "named .docx but is a PDF file; rename it .pdf"),
    "old.doc": (lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
                ("named .doc but is an Office 97-2003 file (.doc, .xls); save it as .docx or "
                 "PDF")),
    "utf16-bom-broken.txt": (lambda t: b"\xff\xfe" + REPORT.encode("utf-16-le")[:-1],
                             "starts with a UTF-16 byte-order mark but is not valid UTF-16"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_is_one_line_naming_the_file(tmp_path, name):
    make, problem = BAD[name]
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    with pytest.raises(InputError) as err:
        read_report(path)
    assert str(err.value).startswith(f"{path}: {problem}")
    assert "\n" not in str(err.value)


# --- a batch: every supported file in a folder, bad ones one line each ------------------------

@pytest.fixture
def batch(tmp_path):
    d = tmp_path / "reports"
    d.mkdir()
    (d / "a.txt").write_text(REPORT, encoding="utf-8")
    (d / "b.html").write_text(html_page(), encoding="utf-8")
    write_docx(d / "c.docx")
    write_pdf(d / "d.pdf")
    (d / "e.txt").write_bytes(TRADITIONAL.encode("big5"))
    (d / "f.txt").write_bytes(REPORT.encode("utf-16"))
    (d / "~$c.docx").write_bytes(b"\x00" * 162)  # Word's lock file: not a report
    (d / "notes.md").write_text("not a report", encoding="utf-8")  # not a supported format
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name in ("scan.pdf", "locked.pdf", "truncated.docx", "menu.html", "no-bom.txt",
                 "text.pdf", "page.txt"):
        make, _ = BAD[name]
        (d / name).write_bytes(make(scratch))
    return d


def test_a_folder_of_mixed_formats_tags_the_good_files_and_names_each_bad_one(
        capsys, tmp_path, batch, shipped_model_loaded_once):
    from fazhi.cli import main

    out = tmp_path / "out.jsonl"
    code = main(["tag", str(batch), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    problems = sorted(line for line in err.splitlines() if line.startswith(str(batch)))
    assert problems == sorted(f"{batch / name}: {BAD[name][1]}" for name in (
        "scan.pdf", "locked.pdf", "truncated.docx", "menu.html", "no-bom.txt", "text.pdf",
        "page.txt"))
    records = {r["doc_id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert sorted(records) == ["a", "b", "c", "d", "e", "f"]
    assert {k: (r["format"], r["encoding"]) for k, r in records.items()} == {
        "a": ("text", "utf-8"), "b": ("html", "utf-8"), "c": ("docx", None), "d": ("pdf", None),
        "e": ("text", "big5"), "f": ("text", "utf-16")}
    assert records["e"]["text"] == TRADITIONAL and records["e"]["script"] == "traditional"
    spans = {k: [(e["start"], e["end"], e["label"]) for e in r["entities"]]
             for k, r in records.items() if k != "e"}
    assert all(found == spans["a"] for found in spans.values())
    assert "6 report(s)" in err and "7 failed" in err


def test_pattern_still_narrows_a_folder(capsys, tmp_path, batch, shipped_model_loaded_once):
    from fazhi.cli import main

    code = main(["tag", str(batch), "--pattern", "*.docx", "--out", str(tmp_path / "o.jsonl")])
    err = capsys.readouterr().err
    assert code == 1 and f"{batch / 'truncated.docx'}: damaged .docx" in err
    assert "tagged 1 report(s)" in err and "1 failed" in err


def test_a_folder_without_reports_says_which_files_it_looked_for(capsys, tmp_path, shipped_model_loaded_once):
    from fazhi.cli import main

    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    assert main(["tag", str(tmp_path)]) == 1
    assert (f"{tmp_path}: no *.txt *.html *.htm *.docx *.pdf files in this folder"
            in capsys.readouterr().err)
