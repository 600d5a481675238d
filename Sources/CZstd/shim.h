// Debian's libzstd: the Zstandard encoder, for compressing responses on the fly.
#include <zstd.h>
