"""What every generated download says to the browser: a file to save, under its name, kept by no cache."""

from urllib.parse import quote

from apps.core.downloads import XLSX, download_response


def test_a_workbook_is_an_attachment_under_its_name_kept_by_no_cache():
    response = download_response(b"PK\x03\x04", filename="assessment-130100-2026.xlsx")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="assessment-130100-2026.xlsx"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b"PK\x03\x04"


def test_a_chinese_filename_is_encoded_as_rfc_6266_says():
    response = download_response(b"a,b\r\n", filename="石家庄市-考核.csv", content_type="text/csv; charset=utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('石家庄市-考核.csv')}"


def test_a_quote_in_a_filename_cannot_end_the_header_value():
    response = download_response(b"", filename='a"; filename="evil.exe')
    assert response["Content-Disposition"] == r'attachment; filename="a\"; filename=\"evil.exe"'
