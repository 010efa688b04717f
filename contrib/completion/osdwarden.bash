# bash completion for osdwarden (installed as
# share/bash-completion/completions/osdwarden). The candidates come from
# `osdwarden __complete WORD...`, which reads the tables --help and the
# manual page are made from; this file only hands the words over.
_osdwarden()
{
	local cur=${COMP_WORDS[COMP_CWORD]} out
	out=$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return 0
	COMPREPLY=()
	if [[ $'\n'$out$'\n' == *$'\n@file\n'* ]]; then
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
	fi
	[[ -n $out ]] && mapfile -t COMPREPLY <<<"$out"
	return 0
}
complete -F _osdwarden osdwarden
