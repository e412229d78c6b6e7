"""The CPU fingerprint recorded with every model version and keyed by the trainer calibration."""

from mlbackend.cpuinfo import cpu_fingerprint, describe, fingerprint_key, parse_cpuinfo

EPYC = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme sse4_1 sse4_2 avx f16c fma avx2 bmi2

processor\t: 1
model name\t: AMD EPYC 7B13
flags\t\t: fpu vme sse4_1 sse4_2 avx f16c fma avx2 bmi2
"""

XEON = """processor\t: 0
model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512dq avx512bw avx512vl avx512_vnni
"""

GRAVITON = """processor\t: 0
BogoMIPS\t: 243.75
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 sve
CPU implementer\t: 0x41
"""


def test_avx2_and_avx512_cpus_are_told_apart():
    epyc, xeon = parse_cpuinfo(EPYC), parse_cpuinfo(XEON)
    assert epyc == {"model": "AMD EPYC 7B13", "vector": ["sse4_2", "avx", "avx2", "fma"]}
    assert xeon["vector"] == ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni"]
    assert fingerprint_key({**epyc, "cores": 2}) != fingerprint_key({**xeon, "cores": 2})


def test_arm_features_are_read():
    assert parse_cpuinfo(GRAVITON)["vector"] == ["asimd", "sve"]


def test_this_machine_has_a_fingerprint():
    fingerprint = cpu_fingerprint()
    assert fingerprint["model"] and fingerprint["cores"] >= fingerprint["usable_cores"] >= 1
    assert fingerprint_key() == fingerprint_key(dict(fingerprint))
    assert fingerprint["model"] in describe()
