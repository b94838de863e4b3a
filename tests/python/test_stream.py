"""pdqguard.Stream (pdqg_stream): live-stream sampling, hashing and matching."""
import pytest

import pdqguard


def i420(w, h, seed):
    y = bytes(((c * (1 + seed % 5) + r * (seed % 7) + seed * 13) ^ (r // 8 * 17)) & 0xFF
              for r in range(h) for c in range(w))
    return y + bytes([128]) * (2 * ((w + 1) // 2) * ((h + 1) // 2))


def test_stream_samples_hashes_and_matches(tmp_path):
    w, h = 96, 64
    frame = i420(w, h, 3)
    want = pdqguard.hash_frame(frame, w, h, "i420")
    lst = tmp_path / "list.txt"
    lst.write_text(want.hash.hex + " known\n")
    with pdqguard.Matcher(str(lst)) as m, pdqguard.Stream(w, h, "i420", seconds_per_hash=1,
                                                           matcher=m) as s:
        verdicts = []
        for n in range(65):
            # Frames the stream does not sample may be given as None: never read.
            r = s.push(frame if n % 30 == 0 else None, n / 30)
            assert r.frame_number == n and r.timestamp == pytest.approx(n / 30)
            verdicts.append(r.verdict)
            if r.verdict == "kept":
                assert r.result.hash == want.hash and r.result.quality == want.quality
                assert [x.label for x in r.matches] == ["known"] and r.matches[0].distance == 0
            else:
                assert r.result is None and r.matches == []
        assert [n for n, v in enumerate(verdicts) if v != "unsampled"] == [0, 30, 60]


def test_stream_skips_near_duplicates_and_reports_errors():
    w, h = 64, 48
    a, b = i420(w, h, 1), i420(w, h, 4)
    s = pdqguard.Stream(w, h, "i420", seconds_per_hash=0, skip_distance=10)
    assert [s.push(f, t).verdict for t, f in enumerate([a, a, b, b, a])] == \
        ["kept", "skipped", "kept", "skipped", "kept"]
    with pytest.raises(pdqguard.Error) as e:
        s.push(a, 1.0)  # timestamps never decrease
    assert e.value.name == "invalid_argument" and "never decrease" in e.value.message
    with pytest.raises(pdqguard.Error):
        s.push(a[:100], 9.0)  # too short for a 64x48 I420 frame
    s.close()
    with pytest.raises(pdqguard.Error):
        pdqguard.Stream(0, 48)
