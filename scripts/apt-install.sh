# Sourced by scripts/install-deps.sh and bench/run.sh: `apt_install PACKAGE…` installs
# Debian packages without starting any service.
#
# Debian's packages start their services from their maintainer scripts: coturn would start a
# TURN server on every interface, nginx a web server on port 80, and stay. While apt-get
# installs, a policy-rc.d that answers 101 ("action forbidden") tells invoke-rc.d and
# deb-systemd-invoke to start nothing (the standard mechanism,
# /usr/share/doc/init-system-helpers/README.policy-rc.d.gz). Only when there is no
# policy-rc.d already, and removed again afterwards, also when the install fails or the
# script is interrupted. The caller runs `apt-get update` first where it needs one.

apt_sudo=()
[ "$(id -u)" -eq 0 ] || apt_sudo=(sudo)
apt_policy_rc_d=/usr/sbin/policy-rc.d
apt_policy_rc_d_ours=no

apt_remove_policy_rc_d() {
  if [ "$apt_policy_rc_d_ours" = yes ]; then
    "${apt_sudo[@]}" rm -f "$apt_policy_rc_d"
    apt_policy_rc_d_ours=no
  fi
}

apt_install() {
  if [ ! -e "$apt_policy_rc_d" ]; then
    trap apt_remove_policy_rc_d EXIT
    trap 'exit 130' INT TERM
    printf '#!/bin/sh\n# parlor scripts/apt-install.sh: no service starts while it installs packages\nexit 101\n' |
      "${apt_sudo[@]}" tee "$apt_policy_rc_d" >/dev/null
    apt_policy_rc_d_ours=yes
    "${apt_sudo[@]}" chmod 755 "$apt_policy_rc_d"
  fi
  DEBIAN_FRONTEND=noninteractive "${apt_sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  apt_remove_policy_rc_d
  trap - EXIT INT TERM
}
