"""Table 7(a) split into the Table 7(b) test result plus the training set (``results.split_arithmetic``)."""

from __future__ import annotations

from sercnn import paper
from sercnn.book import results


def test_speaker_sizes_come_from_the_committed_file_list():
    sizes = results.speaker_sizes()
    assert sum(sizes.values()) == 535 and len(sizes) == 10
    assert sizes["12"] + sizes["15"] == 91


def test_each_cell_splits_into_test_and_training():
    frame = results.split_arithmetic()
    reading = results.split_reading(frame)
    cells = reading["cells"]
    expected = {("SD", "1D"): (494, 66, 107, 428, 428), ("SD", "2D"): (510, 82, 107, 428, 428),
                ("SI", "2D"): (513, 75, 91, 438, 444), ("SI", "1D"): (464, 52, 91, 412, 444)}
    for key, (k, k_test, n_test, k_train, n_train) in expected.items():
        r = cells[key]
        assert (r["k = 7(a) x N"], r["k_test"], r["n_test"], r["k_train"], r["n_train"]) == \
            (k, k_test, n_test, k_train, n_train), key
        assert k_test + k_train == k
        protocol = {"SD": "speaker-dependent", "SI": "speaker-independent"}[key[0]]
        assert round(100 * k_test / n_test, 2) == paper.TABLE_7B[("emodb", protocol, key[1].lower())]
    # one pair fits the 2D network's 7(b), and it is the only one that fits both networks
    assert reading["single_si_pair"]["2D"] == ["pair 12 + 15"]
    assert reading["si_shared_pairs"] == ["pair 12 + 15"]
    # every utterance tested once (pooled folds) leaves no training set: 7(a) would equal 7(b), and it does not
    assert not reading["pooled_feasible"]
    assert "**510** = 82 / 107 test" in results.split_sentences(frame)


def test_it_follows_the_sizes_it_is_given():
    sizes = {"a": 10, "b": 10, "c": 80}
    frame = results.split_arithmetic(sizes=sizes)
    assert set(frame["N"]) <= {100}
    quarter = results.split_arithmetic(sizes={"a": 25, "b": 25, "c": 50})  # 7(b)'s figures of 50 or 75 utterances
    assert set(quarter["n_test"]) <= {50, 75, 100}
    assert set(frame.loc[frame["protocol"] == "SD", "n_test"]) <= {20, 100}
    assert set(frame.loc[frame["protocol"] == "SI", "n_test"]) <= {20, 90, 100}
    for _, r in frame.iterrows():
        assert abs(100 * r["k_test"] / r["n_test"] - r["7(b) %"]) < 0.005 + 1e-9
