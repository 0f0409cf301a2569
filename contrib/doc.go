// Package contrib holds what is needed to run intaked under systemd: the unit
// (intaked.service), a drop-in for the password files (credentials.conf) and the install steps
// (INSTALL.md). It has no Go code; its tests check the unit.
package contrib
