"""Here: python docs/gpu/assemble.py FETCHED V DEST — rebuild reader V from the parts the device
sent back and the init reader's word embeddings; the sha256 must match its provenance."""
import hashlib, io, json, sys, tarfile
from pathlib import Path
from safetensors.numpy import load, load_file, save_file

src, v, dest = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
WORDS = "bert.embeddings.word_embeddings.weight"
with tarfile.open(src / "meta.tar.xz") as tar:
    pack = json.loads(tar.extractfile("pack.json").read())[v]
    dest.mkdir(parents=True, exist_ok=True)
    for m in tar.getmembers():
        if m.name.startswith(f"{v}/") and m.isfile():
            (dest / m.name.split("/", 1)[1]).write_bytes(tar.extractfile(m).read())
raw = b"".join((src / f"{v}.part{n}").read_bytes() for n in range(pack["parts"]))
assert hashlib.sha256(raw).hexdigest() == pack["rest_sha256"], "rest parts do not match"
tensors = dict(load(raw))
tensors[WORDS] = load_file("assistant/data/reader/model.safetensors")[WORDS]
save_file(tensors, str(dest / "model.safetensors"))
got = hashlib.sha256((dest / "model.safetensors").read_bytes()).hexdigest()
want = json.loads((dest / "provenance.json").read_text())["weights_sha256"]
print(v, "sha256", got, "device", pack["full_sha256"], "provenance", want, "MATCH" if got == want == pack["full_sha256"] else "MISMATCH")
