import pytest
from django.db import connection

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_search
from motcua.catalog.services import procedure_version_create_draft, procedure_version_publish, procedure_withdraw
from tests.factories import AgencyFactory, FieldFactory, ProcedureFactory, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue() -> dict:
    ward = AgencyFactory(code="000.10.30.H21", name="UBND phường Quy Nhơn")
    justice = AgencyFactory(code="000.00.05.H21", name="Sở Tư pháp")
    environment = AgencyFactory(code="000.00.06.H21", name="Sở Nông nghiệp và Môi trường")
    transport = AgencyFactory(code="000.00.08.H21", name="Sở Xây dựng")
    civil = FieldFactory(code="HT", name="Hộ tịch")
    land = FieldFactory(code="DD", name="Đất đai")
    records = FieldFactory(code="LLTP", name="Lý lịch tư pháp")
    roads = FieldFactory(code="GTDB", name="Đường bộ")

    def version(code: str, name: str, **values):
        return make_version(procedure=ProcedureFactory(code=code), name=name, **values)

    # created out of code order: results must come back ordered by code
    version(
        "2.000635",
        "Cấp phiếu lý lịch tư pháp",
        field=records,
        agencies=[justice],
        subjects=["citizen", "foreigner"],
        online_mode="full",
    )
    version(
        "1.004889",
        "Đăng ký đất đai lần đầu",
        field=land,
        agencies=[environment],
        subjects=["citizen", "business"],
        online_mode="partial",
    )
    version("1.001193", "Đăng ký khai sinh", field=civil, agencies=[ward], subjects=["citizen"], online_mode="full")
    version(
        "1.000894",
        "Đăng ký kết hôn",
        field=civil,
        agencies=[ward, justice],
        subjects=["citizen", "foreigner"],
        online_mode="partial",
    )
    version(
        "1.002804",
        "Đổi giấy phép lái xe",
        field=roads,
        agencies=[transport],
        subjects=["citizen"],
        online_mode="none",
    )
    # never published: a draft only
    version("1.000656", "Đăng ký khai tử", field=civil, agencies=[ward], publish=False)
    # withdrawn
    gone = version("1.000001", "Đăng ký giám hộ", field=civil, agencies=[ward])
    procedure_withdraw(procedure=gone.procedure)
    return {"ward": ward, "justice": justice, "civil": civil}


def codes(**filters) -> list[str]:
    return [v.procedure.code for v in procedure_search(**filters)]


@pytest.mark.parametrize(
    "q",
    ["dang ky khai sinh", "Đăng ký khai sinh", "ĐĂNG KÝ KHAI SINH", "đăng ky KHAI sinh", "  dang   ky  khai sinh  "],
)
def test_case_and_diacritics_are_ignored(catalogue, q):
    assert codes(q=q) == ["1.001193"]


@pytest.mark.parametrize("q", ["ĐĂNG KÝ", "dang ky", "Đăng Ký", "đăng ký"])
def test_common_words_match_every_procedure_with_them(catalogue, q):
    assert codes(q=q) == ["1.000894", "1.001193", "1.004889"]


@pytest.mark.parametrize("q", ["đất đai", "dat dai", "ĐẤT ĐAI", "Dat Dai"])
def test_land_with_and_without_diacritics(catalogue, q):
    assert codes(q=q) == ["1.004889"]


@pytest.mark.parametrize("q", ["Đổi", "đổi", "doi", "DOI", "ĐOI"])
def test_d_with_stroke_matches_both_ways(catalogue, q):
    assert codes(q=q) == ["1.002804"]


@pytest.mark.parametrize("q", ["ĐƯỜNG BỘ", "đường bộ", "duong bo"])
def test_field_name_is_searched(catalogue, q):
    # "Đường bộ" is only the field's name, not in the procedure's
    assert codes(q=q) == ["1.002804"]


def test_field_name_matches_every_procedure_of_the_field(catalogue):
    assert codes(q="hộ tịch") == ["1.000894", "1.001193"]


def test_all_words_are_required_in_any_order(catalogue):
    assert codes(q="khai sinh dang ky") == ["1.001193"]
    assert codes(q="sinh khai") == ["1.001193"]
    assert codes(q="khai sinh ket hon") == []
    assert codes(q="dang ky xe") == []


def test_partial_words_match(catalogue):
    assert codes(q="kha") == ["1.001193"]
    assert codes(q="lan dau") == ["1.004889"]


def test_code_is_searched(catalogue):
    assert codes(q="1.001193") == ["1.001193"]
    assert codes(q="001193") == ["1.001193"]
    assert codes(q="2.000635 tu phap") == ["2.000635"]
    assert codes(q="1.00") == ["1.000894", "1.001193", "1.002804", "1.004889"]


def test_no_query_returns_every_published_procedure_by_code(catalogue):
    assert codes() == ["1.000894", "1.001193", "1.002804", "1.004889", "2.000635"]
    assert codes(q="   ") == ["1.000894", "1.001193", "1.002804", "1.004889", "2.000635"]


def test_no_match(catalogue):
    assert codes(q="hộ chiếu") == []


def test_filter_by_agency(catalogue):
    assert codes(agency="000.00.05.H21") == ["1.000894", "2.000635"]
    assert codes(agency="000.10.30.H21") == ["1.000894", "1.001193"]
    assert codes(agency="000.10.30.H21", q="ket hon") == ["1.000894"]
    assert codes(agency="000.99.99.H99") == []


def test_procedure_with_several_agencies_is_listed_once(catalogue):
    assert codes(q="ket hon") == ["1.000894"]
    assert len(procedure_search(q="ket hon")) == 1


def test_filter_by_field(catalogue):
    assert codes(field="HT") == ["1.000894", "1.001193"]
    assert codes(field="DD") == ["1.004889"]
    assert codes(field="HT", q="sinh") == ["1.001193"]
    assert codes(field="NOPE") == []


def test_filter_by_online_mode(catalogue):
    assert codes(online_mode="full") == ["1.001193", "2.000635"]
    assert codes(online_mode="partial") == ["1.000894", "1.004889"]
    assert codes(online_mode="none") == ["1.002804"]
    assert codes(online_mode="partial", q="dat") == ["1.004889"]


def test_filter_by_subject(catalogue):
    assert codes(subject="foreigner") == ["1.000894", "2.000635"]
    assert codes(subject="business") == ["1.004889"]
    assert codes(subject="citizen") == ["1.000894", "1.001193", "1.002804", "1.004889", "2.000635"]
    assert codes(subject="cooperative") == []
    assert codes(subject="foreigner", q="dang ky") == ["1.000894"]


def test_filters_combine(catalogue):
    assert codes(agency="000.00.05.H21", field="HT", online_mode="partial", subject="foreigner", q="hon") == [
        "1.000894"
    ]
    assert codes(agency="000.00.05.H21", field="HT", online_mode="full") == []


def test_drafts_and_withdrawn_procedures_are_not_found(catalogue):
    assert codes(q="khai tu") == []
    assert codes(q="giam ho") == []
    assert codes(q="1.000656") == []
    assert codes(q="1.000001") == []


def test_new_draft_of_a_published_procedure_is_not_found_until_published(catalogue):
    procedure = Procedure.objects.get(code="1.001193")
    draft = procedure_version_create_draft(procedure=procedure)
    draft.name = "Đăng ký khai sinh có yếu tố nước ngoài"
    draft.save()
    assert codes(q="nuoc ngoai") == []
    assert codes(q="khai sinh") == ["1.001193"]

    procedure_version_publish(version=draft)

    assert codes(q="nuoc ngoai") == ["1.001193"]
    results = list(procedure_search(q="khai sinh"))
    assert [(v.procedure.code, v.number) for v in results] == [("1.001193", 2)]


def test_after_republish_the_old_name_no_longer_matches(catalogue):
    procedure = Procedure.objects.get(code="1.002804")
    draft = procedure_version_create_draft(procedure=procedure)
    draft.name = "Cấp lại giấy phép lái xe"
    draft.save()
    procedure_version_publish(version=draft)

    assert codes(q="doi giay phep") == []
    assert codes(q="cap lai giay phep") == ["1.002804"]
    assert [v.number for v in procedure_search(q="giay phep lai xe")] == [2]


def test_withdrawing_removes_from_results(catalogue):
    procedure_withdraw(procedure=Procedure.objects.get(code="1.001193"))
    assert codes(q="khai sinh") == []
    assert codes(field="HT") == ["1.000894"]


def test_renamed_field_is_found_under_its_new_name(catalogue):
    # the search text is built when the version is saved: a new version picks up the new field name
    civil = catalogue["civil"]
    civil.name = "Hộ tịch, quốc tịch"
    civil.save()
    procedure = Procedure.objects.get(code="1.001193")
    draft = procedure_version_create_draft(procedure=procedure)
    procedure_version_publish(version=draft)
    assert codes(q="quoc tich") == ["1.001193"]


def test_trigram_index_matches_the_database_vendor():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
                ["catalog_procedureversion", "catalog_version_search_trgm"],
            )
            rows = cursor.fetchall()
            assert len(rows) == 1
            assert "USING gin (search_text gin_trgm_ops)" in rows[0][0]
            cursor.execute("SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'")
            assert cursor.fetchall() == [("pg_trgm",)]
        else:
            assert connection.vendor == "sqlite"
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%trgm%'")
            assert cursor.fetchall() == []
            indexes = connection.introspection.get_constraints(cursor, "catalog_procedureversion")
            assert "catalog_version_search_trgm" not in indexes
