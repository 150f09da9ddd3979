package incident

// Category is one entry of the allegation and incident taxonomy with the
// ACLED event type and sub-event type it exports as.
type Category struct {
	Code         string `json:"code"`
	EventType    string `json:"event_type"`
	SubEventType string `json:"sub_event_type"`
}

// Categories is the taxonomy, in the order forms offer it. An attack on
// the monitors counts as violence against civilians: the mission is
// unarmed. Categories with no ACLED counterpart export as strategic
// developments, "Other".
var Categories = []Category{
	{"small_arms_fire", "Battles", "Armed clash"},
	{"heavy_weapons_fire", "Explosions/Remote violence", "Shelling/artillery/missile attack"},
	{"drone_or_air_strike", "Explosions/Remote violence", "Air/drone strike"},
	{"mine_or_ied", "Explosions/Remote violence", "Remote explosive/landmine/IED"},
	{"forces_movement", "Strategic developments", "Change to group/activity"},
	{"new_fortification", "Strategic developments", "Headquarters or base established"},
	{"restriction_of_movement", "Strategic developments", "Other"},
	{"attack_on_monitors", "Violence against civilians", "Attack"},
	{"violence_against_civilians", "Violence against civilians", "Attack"},
	{"detention_abduction", "Violence against civilians", "Abduction/forced disappearance"},
	{"damage_to_infrastructure", "Strategic developments", "Looting/property destruction"},
	{"airspace_violation", "Strategic developments", "Other"},
	{"hostile_propaganda", "Strategic developments", "Other"},
	{"other", "Strategic developments", "Other"},
}

// CategoryOf returns the taxonomy entry for code.
func CategoryOf(code string) (Category, bool) {
	for _, c := range Categories {
		if c.Code == code {
			return c, true
		}
	}
	return Category{}, false
}

func categoryCodes() []string {
	out := make([]string, len(Categories))
	for i, c := range Categories {
		out[i] = c.Code
	}
	return out
}

// ObservationKinds maps each kind of observation to the category a tally
// by category counts it under, and says whether it is an explosion (daily
// reports give explosions separately).
var ObservationKinds = []struct {
	Kind      string `json:"kind"`
	Category  string `json:"category"`
	Explosion bool   `json:"explosion"`
}{
	{"undetermined_explosion", "heavy_weapons_fire", true},
	{"impact", "heavy_weapons_fire", true},
	{"projectile_in_flight", "heavy_weapons_fire", false},
	{"muzzle_flash", "heavy_weapons_fire", false},
	{"bursts_heavy_mg", "small_arms_fire", false},
	{"bursts_small_arms", "small_arms_fire", false},
	{"shots_small_arms", "small_arms_fire", false},
	{"illumination_flare", "other", false},
	{"drone", "airspace_violation", false},
	{"movement", "forces_movement", false},
	{"other", "other", false},
}

func observationKind(kind string) (category string, explosion, ok bool) {
	for _, k := range ObservationKinds {
		if k.Kind == kind {
			return k.Category, k.Explosion, true
		}
	}
	return "", false, false
}
