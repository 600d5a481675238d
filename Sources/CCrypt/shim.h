// The system's crypt(3) (libxcrypt): bcrypt, yescrypt and SHA-crypt password hashes, for basic authentication.
#include <crypt.h>
