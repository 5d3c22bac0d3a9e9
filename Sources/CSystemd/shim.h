#ifndef CAMPAIGND_CSYSTEMD_SHIM_H
#define CAMPAIGND_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
