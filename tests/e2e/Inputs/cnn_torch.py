"""PyTorch reference for a small CNN (conv2d, relu, maxpool, avgpool,
flatten, dense, dropout off) trained by mlpc.

  cnn_torch.py prepare DIR OPT [VARIANT]   writes DIR/images.idx, DIR/labels.idx
                                 (80 synthetic 8x8 images, 3 classes), the
                                 seeded initial weights DIR/init.safetensors
                                 and DIR/cnn.mlp
  cnn_torch.py compare DIR OPT [VARIANT]   trains the same network from the same weights
                                 on the same 10 batches of 8 and compares the
                                 cross-entropy over all images afterwards

OPT is sgd (lr 0.05, momentum 0.9) or adam (lr 0.01); VARIANT "bn" puts a
batchnorm after the first convolution, "max" makes the second pooling max
pooling (so that both blocks pool in the convolution's kernel, and the
second's gradient also goes to the first's). Images are scaled by
1/255 on both sides; batches in file order.
"""
import struct
import sys

import numpy as np
import torch
from torch_reference import judge_log_loss, read_safetensors, write_safetensors

N, SIZE, CLASSES = 80, 8, 3


def network(variant=""):
    layers = [torch.nn.Conv2d(1, 4, 3, padding=1)]
    if variant == "bn":
        layers.append(torch.nn.BatchNorm2d(4))
    second = torch.nn.MaxPool2d(2) if variant == "max" else torch.nn.AvgPool2d(2)
    layers += [torch.nn.ReLU(), torch.nn.MaxPool2d(2),
               torch.nn.Conv2d(4, 6, 3, dilation=1), torch.nn.ReLU(), second,
               torch.nn.Flatten(), torch.nn.Linear(6, CLASSES)]
    return torch.nn.Sequential(*layers)


PROGRAM = """\
data images = idx(images: "{dir}/images.idx", labels: "{dir}/labels.idx")
    |> mutate(image = reshape(image / 255.0, [1, 8, 8]))
model Cnn {{
    conv2d(4, kernel: 3, padding: 1) |> {norm}relu |> maxpool(2)
    conv2d(6, kernel: 3) |> relu |> {pool}(2)
    flatten
    dense(3)
}}
train net = Cnn on images {{
    inputs = image, target = label, loss = cross_entropy
    optimizer = {optimizer}, epochs = 1, batch = 8, shuffle = false
    init = "{dir}/init.safetensors"
}}
print "log_loss {{log_loss(net, images):.8f}}"
"""

OPTIMIZERS = {
    "sgd": ("sgd(lr: 0.05, momentum: 0.9)",
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9)),
    "adam": ("adam(lr: 0.01)", lambda p: torch.optim.Adam(p, lr=0.01)),
}


def data():
    rng = np.random.default_rng(7)
    labels = rng.integers(0, CLASSES, N)
    images = rng.integers(0, 60, (N, SIZE, SIZE))
    for i, c in enumerate(labels):  # a bright stripe whose place is the class
        images[i, :, 2 * c:2 * c + 3] += 150
    return images.astype(np.uint8), labels.astype(np.uint8)


def write_idx(path, array):
    dims = array.shape
    header = struct.pack(">BBBB", 0, 0, 0x08, len(dims)) + b"".join(
        struct.pack(">I", d) for d in dims)
    open(path, "wb").write(header + array.tobytes())


def prepare(directory, optimizer, variant=""):
    images, labels = data()
    write_idx(directory + "/images.idx", images)
    write_idx(directory + "/labels.idx", labels)
    torch.manual_seed(0)
    write_safetensors(directory + "/init.safetensors", network(variant).state_dict())
    open(directory + "/cnn.mlp", "w").write(
        PROGRAM.format(dir=directory, optimizer=OPTIMIZERS[optimizer][0],
                       norm="batchnorm |> " if variant == "bn" else "",
                       pool="maxpool" if variant == "max" else "avgpool"))


def compare(directory, optimizer, variant=""):
    images, labels = data()
    x = torch.tensor(images.astype(np.float32) / 255.0).reshape(N, 1, SIZE, SIZE)
    y = torch.tensor(labels.astype(np.int64))
    net = network(variant)
    net.load_state_dict(read_safetensors(directory + "/init.safetensors"), strict=False)
    opt = OPTIMIZERS[optimizer][1](net.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    for start in range(0, N, 8):
        opt.zero_grad()
        loss_fn(net(x[start:start + 8]), y[start:start + 8]).backward()
        opt.step()
    net.eval()  # batchnorm: the running statistics, as mlpc evaluates
    with torch.no_grad():
        expected = loss_fn(net(x), y).item()
    judge_log_loss(directory, expected)


if __name__ == "__main__":
    (prepare if sys.argv[1] == "prepare" else compare)(*sys.argv[2:])
