import pytest

from diffusion.data.geography import load_geography
from diffusion.data.places import PlaceResolver


@pytest.fixture(scope="module")
def resolver():
    return PlaceResolver(load_geography())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # province: full, short, English, abbreviation, 6-digit code, 2-digit code
        ("湖南省", "43"),
        ("湖南", "43"),
        ("Hunan", "43"),
        ("湘", "43"),
        ("430000", "43"),
        ("43", "43"),
        ("广西壮族自治区", "45"),
        ("广西", "45"),
        ("内蒙古", "15"),
        ("新疆", "65"),
        # prefecture: full, short, ethnic autonomous prefecture short forms
        ("娄底市", "431300"),
        ("娄底", "431300"),
        ("恩施土家族苗族自治州", "422800"),
        ("恩施州", "422800"),
        # county: unique full and short names
        ("新化县", "431322"),
        ("新化", "431322"),
        ("津市市", "430781"),
        ("关岭县", "520424"),
        # nested names, from the top down
        ("湖南省新化县", "431322"),
        ("湖南新化", "431322"),
        ("湖南省娄底市新化县", "431322"),
        ("湖南省 娄底市 新化县", "431322"),
        ("北京市朝阳区", "110105"),
        ("上海奉贤", "310120"),
    ],
)
def test_unique_names_resolve(resolver, text, code):
    res = resolver.resolve(text)
    assert (res.status, res.code) == ("ok", code)


def test_ambiguous_names_list_their_candidates(resolver):
    res = resolver.resolve("朝阳区")
    assert res.status == "ambiguous"
    assert res.candidates == ("110105", "220104")  # Beijing and Changchun
    assert resolver.describe("220104") == "朝阳区 (220104, 吉林省, 长春市)"
    assert resolver.resolve("吉林").candidates == ("22", "220200")


def test_context_disambiguates(resolver):
    assert resolver.resolve("朝阳区", within="22").code == "220104"
    assert resolver.resolve("吉林", level="province").code == "22"
    assert resolver.resolve("吉林", level="prefecture").code == "220200"


def test_unknown_names_get_suggestions_only(resolver):
    res = resolver.resolve("长治县")  # abolished before 2024 (now 上党区)
    assert res.status == "unknown" and res.code is None
    assert "长治市 (140400, 山西省)" in resolver.suggest(res)
    assert resolver.resolve("新化县", within="44").status == "unknown"


def test_user_geography(five_regions):
    r = PlaceResolver(load_geography(five_regions))
    assert r.resolve("cedarton").code == "R3"
    assert r.resolve("North Cedarton").code == "R3"
    assert r.resolve("Cedarton", within="S").status == "unknown"
