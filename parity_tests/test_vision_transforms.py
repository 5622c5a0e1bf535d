"""minigrad.vision.transforms and utils, checked against what torchvision documents (torchvision itself
cannot be installed here): conversions, normalisation, geometry and colour on PIL images and on
tensors, the seeded random draws, the whole-batch path, make_grid and save_image.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.vision import transforms as T
from minigrad.vision.transforms import functional as F
from minigrad.vision.utils import make_grid, save_image

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def pixels():
    """A 6 x 9 RGB image with every pixel different: the same in each test."""
    return np.random.default_rng(0).integers(0, 256, (6, 9, 3), dtype=np.uint8)


def chw(pixels):
    return np.moveaxis(pixels, -1, 0)


# --- conversions and Normalize -----------------------------------------------------------------------


def test_to_tensor_turns_hwc_uint8_into_chw_float32_in_0_1(pixels):
    for source in (Image.fromarray(pixels), pixels):
        tensor = T.ToTensor()(source)
        assert tensor.dtype == mg.float32 and tuple(tensor.shape) == (3, 6, 9)
        np.testing.assert_array_equal(tensor.numpy(), chw(pixels).astype(np.float32) / np.float32(255))
    grey = T.ToTensor()(Image.fromarray(pixels[:, :, 0]))
    assert tuple(grey.shape) == (1, 6, 9) and 0 <= grey.numpy().min() and grey.numpy().max() <= 1
    floats = T.ToTensor()(np.full((2, 3, 1), 7.5, dtype=np.float64))  # not uint8: values kept
    assert floats.dtype == mg.float64 and floats.numpy().max() == 7.5
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray. Got <class 'minigrad.tensor.Tensor'>"):
        T.ToTensor()(grey)
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 4 dimensions."):
        T.ToTensor()(np.zeros((1, 2, 3, 4), dtype=np.uint8))


def test_pil_to_tensor_and_to_pil_image(pixels):
    tensor = T.PILToTensor()(Image.fromarray(pixels))
    assert tensor.dtype == mg.uint8 and np.array_equal(tensor.numpy(), chw(pixels))
    back = T.ToPILImage()(tensor)
    assert back.mode == "RGB" and np.array_equal(np.asarray(back), pixels)
    assert T.ToPILImage()(T.ToTensor()(Image.fromarray(pixels[:, :, 0]))).mode == "L"
    assert T.ToPILImage()(mg.zeros(4, 5, 5)).mode == "RGBA"
    # A float tensor is taken as [0, 1] and scaled by 255, truncated: 0.5 -> 127.
    assert np.asarray(T.ToPILImage()(mg.full((1, 2, 2), 0.5))).tolist() == [[127, 127], [127, 127]]
    assert T.ToPILImage(mode="F")(mg.full((1, 2, 2), 0.5)).getpixel((0, 0)) == 0.5
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 5 channels."):
        T.ToPILImage()(mg.zeros(5, 2, 2))
    with pytest.raises(TypeError, match="pic should be PIL Image. Got <class 'numpy.ndarray'>"):
        T.PILToTensor()(pixels)


def test_normalize_subtracts_the_mean_and_divides_by_the_std_per_channel(pixels):
    tensor = T.ToTensor()(pixels)
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    normalised = T.Normalize(mean, std)(tensor)
    expected = (tensor.numpy() - np.float32(mean)[:, None, None]) / np.float32(std)[:, None, None]
    np.testing.assert_array_equal(normalised.numpy(), expected)
    assert normalised.dtype == mg.float32 and not np.array_equal(tensor.numpy(), normalised.numpy())
    batch = T.Normalize(mean, std)(mg.stack([tensor, tensor]))  # (..., C, H, W)
    np.testing.assert_array_equal(batch.numpy()[1], expected)
    same = T.Normalize((0.5,), (0.5,), inplace=True)
    assert same(tensor) is tensor

    with pytest.raises(TypeError, match="img should be Tensor Image. Got <class 'PIL.Image.Image'>"):
        T.Normalize((0.5,), (0.5,))(Image.fromarray(pixels))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got torch.uint8."):
        T.Normalize((0.5,), (0.5,))(T.PILToTensor()(Image.fromarray(pixels)))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))(tensor)
    with pytest.raises(ValueError, match=r"mean has 2 values but the image has 3 channels \(shape \(3, 6, 9\)\)"):
        T.Normalize((0.5, 0.5), (0.5,))(tensor)


# --- geometry ----------------------------------------------------------------------------------------


def test_resize_makes_the_shorter_side_size_and_keeps_the_aspect_ratio(pixels):
    image, tensor = Image.fromarray(pixels), T.ToTensor()(pixels)
    assert T.Resize(3)(image).size == (4, 3)  # (width, height): 9 x 6 -> int(3 * 9 / 6) x 3
    assert tuple(T.Resize(3)(tensor).shape) == (3, 3, 4)
    assert T.Resize((4, 5))(image).size == (5, 4) and tuple(T.Resize([4, 5])(tensor).shape) == (3, 4, 5)
    assert T.Resize(4, max_size=5)(image).size == (5, 3)
    assert T.Resize(6)(image) is image  # already that size
    flat = T.Resize(4)(mg.full((1, 6, 9), 0.25))
    np.testing.assert_allclose(flat.numpy(), 0.25, rtol=1e-6)
    # The same bilinear filter on a tensor and on a PIL image of a smooth picture: within rounding.
    y, x = np.mgrid[:6, :9]
    smooth = ((x * 20 + y * 10) % 256).astype(np.uint8)
    from_pil = np.asarray(T.Resize(3)(Image.fromarray(smooth))).astype(np.float32)
    from_tensor = T.Resize(3)(T.ToTensor()(smooth)).numpy()[0] * 255
    assert np.abs(from_pil - from_tensor).max() <= 1.0
    with pytest.raises(TypeError, match="Size should be int or sequence"):
        T.Resize({3})
    with pytest.raises(TypeError, match="img should be PIL Image or Tensor. Got <class 'list'>"):
        T.Resize(3)([1, 2])


def test_crops_take_torchvisions_windows(pixels):
    image, tensor = Image.fromarray(pixels), T.PILToTensor()(Image.fromarray(pixels))
    # CenterCrop's corner is round((6 - 4) / 2), round((9 - 4) / 2) = 1, 2.
    np.testing.assert_array_equal(np.asarray(T.CenterCrop(4)(image)), pixels[1:5, 2:6])
    np.testing.assert_array_equal(T.CenterCrop((4, 4))(tensor).numpy(), chw(pixels)[:, 1:5, 2:6])
    padded = T.CenterCrop(10)(tensor).numpy()  # larger than the image: zeros around it
    assert padded.shape == (3, 10, 10) and padded[:, 2:8, 0:9].tolist() == chw(pixels).tolist() and padded[:, 0].max() == 0

    mg.manual_seed(0)
    for _ in range(5):
        crop = np.asarray(T.RandomCrop(6, padding=2)(image))
        frame = np.pad(pixels, ((2, 2), (2, 2), (0, 0)))
        assert any(np.array_equal(frame[i : i + 6, j : j + 6], crop) for i in range(5) for j in range(8))
    assert T.RandomCrop((8, 12), pad_if_needed=True)(image).size == (12, 8)
    with pytest.raises(ValueError, match=r"Required crop size \(8, 8\) is larger than input image size \(6, 9\)"):
        T.RandomCrop(8)(image)
    assert T.RandomResizedCrop(5)(image).size == (5, 5) and tuple(T.RandomResizedCrop((4, 7))(tensor).shape) == (3, 4, 7)
    top, left, height, width = T.RandomResizedCrop.get_params(image, (0.08, 1.0), (3 / 4, 4 / 3))
    assert 0 <= top <= 6 - height and 0 <= left <= 9 - width and 0 < height * width <= 54


def test_flips_rotation_and_padding(pixels):
    image, tensor = Image.fromarray(pixels), T.PILToTensor()(Image.fromarray(pixels))
    np.testing.assert_array_equal(np.asarray(T.RandomHorizontalFlip(p=1)(image)), pixels[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(p=1.0)(tensor).numpy(), chw(pixels)[:, ::-1])
    assert T.RandomHorizontalFlip(p=0)(image) is image
    mg.manual_seed(1)
    flips = [np.array_equal(np.asarray(T.RandomHorizontalFlip()(image)), pixels) for _ in range(400)]
    assert 150 < flips.count(False) < 250

    square = pixels[:, :6]
    rotated = T.RandomRotation((90, 90))(Image.fromarray(square))  # counter-clockwise
    np.testing.assert_array_equal(np.asarray(rotated), np.rot90(square))
    np.testing.assert_array_equal(T.RandomRotation((90, 90))(T.PILToTensor()(Image.fromarray(square))).numpy(),
                                  chw(np.rot90(square)))
    assert T.RandomRotation((90, 90), expand=True)(image).size == (6, 9)
    corner = T.RandomRotation((45, 45), fill=(1, 2, 3))(mg.rand(3, 5, 7)).numpy()[:, 0, 0]  # uncovered: fill
    assert corner.tolist() == [1.0, 2.0, 3.0] and T.RandomRotation((45, 45), fill=9)(image).getpixel((0, 0)) == (9, 9, 9)
    with pytest.raises(ValueError, match="If degrees is a single number, it must be non negative."):
        T.RandomRotation(-3)

    np.testing.assert_array_equal(np.asarray(T.Pad((1, 2, 3, 4), fill=(9, 8, 7))(image))[0, 0], [9, 8, 7])
    assert T.Pad((1, 2))(image).size == (11, 10)  # (left/right, top/bottom)
    for mode in ("edge", "reflect", "symmetric"):
        np.testing.assert_array_equal(np.asarray(T.Pad(2, padding_mode=mode)(image)),
                                      np.pad(pixels, ((2, 2), (2, 2), (0, 0)), mode=mode))
        np.testing.assert_array_equal(T.Pad([1, 3], padding_mode=mode)(tensor).numpy(),
                                      np.pad(chw(pixels), ((0, 0), (3, 3), (1, 1)), mode=mode))
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(1, padding_mode="wrap")


# --- colour ------------------------------------------------------------------------------------------


def test_grayscale_uses_the_itu_r_601_2_luma(pixels):
    image = Image.fromarray(pixels)
    assert T.Grayscale()(image).mode == "L" and T.Grayscale(3)(image).mode == "RGB"
    grey = T.Grayscale(num_output_channels=3)(T.ToTensor()(pixels)).numpy()
    red, green, blue = T.ToTensor()(pixels).numpy()
    np.testing.assert_allclose(grey[0], 0.2989 * red + 0.587 * green + 0.114 * blue, rtol=1e-6)
    assert np.array_equal(grey[0], grey[2])
    assert np.abs(np.asarray(T.Grayscale()(image)) / 255 - grey[0]).max() < 1 / 255 + 1e-6


def test_color_jitter_draws_factors_in_its_ranges_and_repeats_with_the_seed(pixels):
    image, tensor = Image.fromarray(pixels), T.ToTensor()(pixels)
    jitter = T.ColorJitter(brightness=0.5, contrast=0.4, saturation=0.3, hue=0.1)
    assert jitter.brightness == [0.5, 1.5] and jitter.hue == [-0.1, 0.1] and T.ColorJitter().brightness is None
    mg.manual_seed(3)
    first = [np.asarray(jitter(image)), jitter(tensor).numpy()]
    mg.manual_seed(3)
    np.testing.assert_array_equal(np.asarray(jitter(image)), first[0])
    np.testing.assert_array_equal(jitter(tensor).numpy(), first[1])
    assert first[1].min() >= 0 and first[1].max() <= 1 and first[0].shape == pixels.shape

    brighter = F.adjust_brightness(tensor, 1.5).numpy()
    np.testing.assert_allclose(brighter, np.clip(tensor.numpy() * 1.5, 0, 1), rtol=1e-6)
    assert np.abs(np.asarray(F.adjust_brightness(image, 0.5)) / 255 - tensor.numpy().transpose(1, 2, 0) * 0.5).max() \
        <= 1 / 255
    np.testing.assert_allclose(F.adjust_saturation(tensor, 0).numpy(), T.Grayscale(3)(tensor).numpy(), rtol=1e-6)
    red = mg.tensor([[[1.0]], [[0.0]], [[0.0]]])
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0, 1, 0], atol=1e-6)  # red -> green
    with pytest.raises(ValueError, match=r"hue values should be between \(-0.5, 0.5\)"):
        T.ColorJitter(hue=0.6)
    with pytest.raises(ValueError, match="If brightness is a single number, it must be non negative."):
        T.ColorJitter(brightness=-1)


def test_compose_and_lambda(pixels):
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda t: t * 2)])
    assert pipeline(pixels).numpy().max() <= 2 and "ToTensor()" in repr(pipeline)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)


# --- whole batches -----------------------------------------------------------------------------------


class ScaledToTensor(T.ToTensor):
    def __call__(self, pic):
        return super().__call__(pic) * 2


@pytest.mark.parametrize("transform", [
    T.ToTensor(), T.PILToTensor(), T.Compose([T.ToTensor(), T.Normalize((0.1, 0.2, 0.3), (0.5, 0.6, 0.7))]),
    T.Compose([T.Compose([T.ToTensor()]), T.Normalize((0.5,), (0.25,)), T.Normalize((0.0,), (2.0,))]),
])
def test_batched_pipelines_give_the_images_one_by_one_bit_for_bit(transform):
    pixels = np.random.default_rng(1).integers(0, 256, (5, 4, 6, 3), dtype=np.uint8)
    batch = T.batched(transform)(pixels)
    one_by_one = mg.stack([transform(Image.fromarray(image)) for image in pixels])
    assert batch.dtype == one_by_one.dtype
    np.testing.assert_array_equal(batch.numpy(), one_by_one.numpy())


@pytest.mark.parametrize("transform", [
    None, T.RandomHorizontalFlip(), T.Compose([T.RandomCrop(4), T.ToTensor()]), T.Compose([T.ToTensor(), T.Lambda(abs)]),
    ScaledToTensor(), T.Compose([T.Normalize((0.5,), (0.5,))]),
])
def test_pipelines_that_need_each_image_are_not_batched(transform):
    assert T.batched(transform) is None


# --- make_grid and save_image ------------------------------------------------------------------------


def test_make_grid_tiles_the_batch_as_torchvision_documents():
    images = mg.rand(10, 1, 28, 28)
    grid = make_grid(images)  # nrow=8, padding=2: 2 rows of 8 cells of 30 pixels, plus the last padding
    assert tuple(grid.shape) == (3, 62, 242)
    np.testing.assert_array_equal(grid.numpy()[1, 2:30, 2:30], images.numpy()[0, 0])
    np.testing.assert_array_equal(grid.numpy()[0, 32:60, 32:60], images.numpy()[9, 0])  # 10th: row 2, column 2
    assert grid.numpy()[:, 32:60, 62:].max() == 0  # the empty cells stay at pad_value
    assert tuple(make_grid(images, nrow=5, padding=0).shape) == (3, 56, 140)
    assert tuple(make_grid(images[:1]).shape) == (3, 28, 28)
    assert tuple(make_grid([images[0], images[1]], pad_value=1.0).shape) == (3, 32, 62)

    spread = make_grid(mg.tensor([[[[-2.0, 2.0]]], [[[0.0, 1.0]]]]), normalize=True, padding=0).numpy()
    np.testing.assert_allclose(spread[0], [[0.0, 1.0, 0.5, 0.75]], atol=1e-5)
    each = make_grid(mg.tensor([[[[-2.0, 2.0]]], [[[0.0, 1.0]]]]), normalize=True, scale_each=True, padding=0)
    np.testing.assert_allclose(each.numpy()[0], [[0.0, 1.0, 0.0, 1.0]], atol=1e-4)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid(np.zeros((2, 3, 4, 4)))


def test_save_image_writes_the_grid_as_rounded_pixels(tmp_path):
    images = mg.rand(3, 3, 5, 5)
    save_image(images, tmp_path / "batch.png", nrow=3, padding=1)
    written = np.asarray(Image.open(tmp_path / "batch.png"))
    grid = make_grid(images, nrow=3, padding=1).numpy()
    assert written.shape == (7, 19, 3)
    np.testing.assert_array_equal(written, np.clip(np.floor(grid * 255 + 0.5), 0, 255).astype(np.uint8).transpose(1, 2, 0))
