"""Pillow, imported when first needed, with an error that says how to install it."""
import sys


def pil_image():
    """The module `PIL.Image`, or ImportError naming the `vision` extra when Pillow is missing."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("minigrad.vision needs Pillow for images, from the 'vision' extra: "
                          "pip install 'minigrad[vision]' (or pip install -e '.[vision]' in the repository)"
                          ) from error
    return Image


def is_pil_image(value):
    """Whether `value` is a Pillow image; True only once Pillow has been imported, so nothing imports it here."""
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(value, image_module.Image)
