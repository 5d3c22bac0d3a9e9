#ifndef CAMPAIGND_CSYSTEMD_SHIM_H
#define CAMPAIGND_CSYSTEMD_SHIM_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

/* SO_PEERCRED and struct ucred need _GNU_SOURCE, which Swift's Glibc module does not define. */
static const int campaignd_so_peercred = SO_PEERCRED;
typedef struct ucred campaignd_ucred;
#endif
