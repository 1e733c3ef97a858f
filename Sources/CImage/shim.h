// libjpeg-turbo (screenshots for cloud brains, JPEG quality 80) and libpng. stdio.h must come
// before jpeglib.h, which uses FILE without including it.
#include <stdio.h>
#include <png.h>
#include <jpeglib.h>
