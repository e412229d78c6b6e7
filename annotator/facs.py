"""FACS vocabulary shared by models, services and the workspace."""

DEFAULT_EMOTIONS = ("happiness", "surprise", "disgust", "repression", "fear", "sadness", "anger", "contempt", "others")

# Action Units coded in the ME datasets (CASME II, SAMM, CAS(ME)^3), in FACS order.
DEFAULT_AU_SET = (1, 2, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 22, 23, 24, 25, 26, 27, 28, 38, 39, 43, 45)

AU_NAMES = {
    1: "Inner brow raiser", 2: "Outer brow raiser", 4: "Brow lowerer", 5: "Upper lid raiser",
    6: "Cheek raiser", 7: "Lid tightener", 9: "Nose wrinkler", 10: "Upper lip raiser",
    11: "Nasolabial deepener", 12: "Lip corner puller", 13: "Cheek puffer", 14: "Dimpler",
    15: "Lip corner depressor", 16: "Lower lip depressor", 17: "Chin raiser", 18: "Lip pucker",
    20: "Lip stretcher", 22: "Lip funneler", 23: "Lip tightener", 24: "Lip pressor", 25: "Lips part",
    26: "Jaw drop", 27: "Mouth stretch", 28: "Lip suck", 38: "Nostril dilator", 39: "Nostril compressor",
    43: "Eyes closed", 45: "Blink", 46: "Wink",
}

SIDES = ("L", "R", "both")
INTENSITIES = ("A", "B", "C", "D", "E")

# MEGC composite classes (positive / negative / surprise), used by the demo and the synthetic set.
MEGC_EMOTIONS = ("positive", "negative", "surprise", "others")
