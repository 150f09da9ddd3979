package demo

// Step is one step of the demo's tour: the account to sign in with, the
// page, and what to look at there.
type Step struct {
	Account, Path, What string
}

// Tour is a first walk through the demo for a new user, one role after
// another; truce demo prints it. A path ending in "/" + "<id>" names a
// page of any record of that kind.
var Tour = []Step{
	{"analyst", "/map", "the line of contact, the corridor, posts, incidents and each side's allegations; click one"},
	{"liaison-am", "/allegations/new", "lodge an allegation in Armenia's name: click the small map to place it"},
	{"analyst", "/review", "the new allegation with fusion's proposals: accept one (keys j, k, a, r)"},
	{"cochair", "/incidents", "take an incident to a finding and close it; it is then sealed"},
	{"humanitarian", "/detainees", "identities of the (fictitious) persons held; signed in as observer they are masked"},
	{"analyst", "/agreements", "each provision, its deadline, status and evidence (exchanges, returns, the corridor)"},
	{"cochair", "/reports", "the daily report of 2021-06-12 in HTML or PDF, public or mission edition; issue it"},
	{"observer", "/reports", "an issued report: download its PDF and its proof bundle (a public one opens without an account too) and check them offline: truce proof verify daily-2021-06-12-public.proof --key DIR/log.pub --policy DIR/witnesses/policy --file daily-2021-06-12-public.pdf"},
	{"observer", "/history/incident/<id>", "every version of a record, its inclusion proof checked in your browser, and the witnesses of side A and of side B that cosigned it"},
	{"cochair", "/admin/witnesses", "the two witnesses, one run by each side: the last checkpoint each cosigned; a refusal would be an alarm on every page"},
}
