// Debian's libbrotli: the Brotli encoder, for compressing responses on the fly.
#include <brotli/encode.h>
