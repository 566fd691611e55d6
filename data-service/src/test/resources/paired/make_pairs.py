"""Writes the paired-dataset fixtures with Pillow, the tool users' pairs most often come from.

Run from this folder (python3 make_pairs.py); the PNGs next to it are its output, checked in so the tests need no
Python. Every image is 8x8; a target is a square of level 200 on black (pixels 2..5 in x and y), its input the same
with a deterministic ripple (x * 7 + y * 13) % 41 added, clipped at 255.
"""
import os
import shutil

from PIL import Image

W = H = 8


def target_level(x, y):
    return 200 if 2 <= x < 6 and 2 <= y < 6 else 0


def target():
    img = Image.new("L", (W, H))
    img.putdata([target_level(x, y) for y in range(H) for x in range(W)])
    return img


def noisy():
    img = Image.new("L", (W, H))
    img.putdata([min(255, target_level(x, y) + (x * 7 + y * 13) % 41) for y in range(H) for x in range(W)])
    return img


def fresh(folder):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "inputs"))
    os.makedirs(os.path.join(folder, "targets"))


# good/: four pairs; "c"'s target gray with an alpha channel (Pillow mode LA, dropped on load); "d" an input
# identical to its target; a sidecar to ignore.
fresh("good")
for name in "abc":
    noisy().save(f"good/inputs/{name}.png")
for name in "ab":
    target().save(f"good/targets/{name}.png")
target().convert("LA").save("good/targets/c.png")
target().save("good/inputs/d.png")
target().save("good/targets/d.png")
with open("good/inputs/notes.txt", "w") as f:
    f.write("not an image\n")

# broken/: every way a pairing goes wrong, once each.
fresh("broken")
for name in "abcde":
    noisy().save(f"broken/inputs/{name}.png")
target().save("broken/targets/a.png")
target().resize((10, 8)).save("broken/targets/b.png")          # size mismatch
target().convert("RGB").save("broken/targets/c.png")           # channel mismatch: colour target for a gray input
with open("broken/targets/d.png", "wb") as f:                  # truncated PNG
    f.write(open("broken/targets/a.png", "rb").read()[:40])
target().save("broken/targets/f.png")                          # no input named f; input e has no target
