//! Teams: the teams each account owns, their members (invited, then
//! joined), the members' quotas in fen and their orders, and each team's
//! operation log on the virtual clock. Every operation checks everything
//! before it changes anything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Account, State};
use crate::error::ApiError;

/// A member's status while the invitation waits (the API reference's word).
pub const PENDING: &str = "Pending";
/// A member's status once the invitation is accepted (the API reference's word).
pub const JOINED: &str = "joined";
/// Most invitations in one call (the API reference).
pub const MAX_INVITES: usize = 100;
/// The operation types the log knows, as `OperateTypeList` lists them.
pub const OPERATE_TYPES: &[&str] = &[
    "CreateTeam",
    "UpdateTeam",
    "InviteMember",
    "AcceptInvite",
    "RejectInvite",
    "CancelInvite",
    "RemoveMember",
    "UpdateRemarkName",
    "AllocateAmount",
    "WithdrawAmount",
];
/// The statuses of a log entry, as `StatusList` lists them.
pub const LOG_STATUSES: &[&str] = &["Success", "Failed"];

/// An amount of money in fen, written on the wire as yuan with two
/// decimals (`"2.05"`), as the order answers give amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Yuan(pub i64);

impl std::fmt::Display for Yuan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl std::str::FromStr for Yuan {
    type Err = String;

    /// `12`, `12.3`, `12.30`, `-0.50`: at most two decimals.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not an amount in yuan with at most two decimals");
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
        let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || frac.is_empty()
            || !all_digits(whole)
            || !all_digits(frac)
            || frac.len() > 2
        {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let fen = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(frac))
            .ok_or_else(bad)?;
        Ok(Yuan(if neg { -fen } else { fen }))
    }
}

impl Serialize for Yuan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Yuan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One line of an order's detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OrderDetailItem {
    /// What was bought (`GPU`).
    pub product_name: String,
    /// How much of it (`4090 x1`).
    pub value: String,
}

/// A member's order: stored and answered in the catalogue's `OrderInfo`
/// shape (amounts as yuan strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Order {
    /// `order-…`.
    pub order_no: String,
    /// `Buy`, `Renew`, …
    pub order_type: String,
    /// `Paid` or `Unpaid`.
    pub order_state: String,
    /// `Dynamic`, `Month`, …
    pub charge_type: String,
    /// The order's amount.
    pub amount: Yuan,
    /// What was paid.
    pub amount_real: Yuan,
    /// Paid by coupon.
    pub amount_coupon: Yuan,
    /// Paid from free credit.
    pub amount_free: Yuan,
    /// The list price.
    pub original_price: Yuan,
    /// Billing periods.
    pub count: i64,
    /// Units.
    pub quantity: String,
    /// The resource billed.
    pub resource_id: String,
    /// Its product type (`uhost`).
    pub resource_type: String,
    /// Its region.
    pub region_id: String,
    /// Its project.
    pub project_name: String,
    /// Unix seconds.
    pub create_time: i64,
    /// Start of the billed period.
    pub start_time: i64,
    /// End of the billed period.
    pub end_time: i64,
    /// Last change.
    pub update_time: i64,
    /// What was bought.
    #[serde(default)]
    pub order_detail: Vec<OrderDetailItem>,
}

/// An account's place in a team: invited (`Pending`) or `joined`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Member {
    /// The member's account id.
    pub user_company_id: u64,
    /// The member's virtual account in the team, the id quotas and bills use.
    pub virtual_company_id: u64,
    /// The owner's name for the member.
    #[serde(default)]
    pub remark_name: String,
    /// [`PENDING`] or [`JOINED`].
    pub status: String,
    /// When invited (Unix seconds).
    pub create_time: i64,
    /// Quota granted in all, in fen.
    #[serde(default)]
    pub allocate_amount: i64,
    /// Quota left to spend, in fen.
    #[serde(default)]
    pub available_amount: i64,
    /// The member's orders.
    #[serde(default)]
    pub orders: Vec<Order>,
}

/// One entry of a team's operation log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OperateLog {
    /// What was said of it.
    pub content: String,
    /// Virtual time, Unix seconds.
    pub create_time: i64,
    /// One of [`OPERATE_TYPES`].
    pub operate_type: String,
    /// One of [`LOG_STATUSES`].
    pub status: String,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Team {
    /// The team id.
    pub id: u64,
    /// The owning account's id.
    pub owner_id: String,
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// When created (Unix seconds).
    pub create_time: i64,
    /// Invited and joined members, in invitation order.
    #[serde(default)]
    pub members: Vec<Member>,
    /// The operation log, oldest first.
    #[serde(default)]
    pub logs: Vec<OperateLog>,
}

impl Team {
    fn member(&self, virtual_id: u64) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.virtual_company_id == virtual_id)
    }

    fn log(&mut self, at: i64, operate_type: &str, ok: bool, content: String) {
        self.logs.push(OperateLog {
            content,
            create_time: at,
            operate_type: operate_type.to_owned(),
            status: LOG_STATUSES[usize::from(!ok)].to_owned(),
        });
    }

    /// The team as `ListCompShareTeam` lists it.
    pub fn info(&self) -> TeamInfo<'_> {
        TeamInfo {
            id: self.id,
            name: &self.name,
            description: &self.description,
            company_id: self.owner_id.parse().unwrap_or(0),
            member_count: self.members.iter().filter(|m| m.status == JOINED).count(),
        }
    }

    /// The team as `GetCompShareTeamInfo` shows it.
    pub fn detail(&self) -> TeamDetail<'_> {
        TeamDetail {
            id: self.id,
            name: &self.name,
            description: &self.description,
            company_id: self.owner_id.parse().unwrap_or(0),
            deleted: 0,
        }
    }

    /// A member as a `TeamRelation`.
    pub fn relation<'a>(&'a self, m: &'a Member) -> Relation<'a> {
        Relation {
            team_id: self.id,
            team_name: &self.name,
            user_company_id: m.user_company_id,
            virtual_company_id: m.virtual_company_id,
            status: &m.status,
            remark_name: &m.remark_name,
            create_time: m.create_time,
            allocate_amount: m.allocate_amount,
            available_amount: m.available_amount,
        }
    }
}

/// `CompShareTeamInfo`: a team in `ListCompShareTeam`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TeamInfo<'a> {
    id: u64,
    name: &'a str,
    description: &'a str,
    company_id: u64,
    member_count: usize,
}

/// `CompShareTeamDetailInfo`: the team of `GetCompShareTeamInfo`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TeamDetail<'a> {
    id: u64,
    name: &'a str,
    description: &'a str,
    company_id: u64,
    deleted: i64,
}

/// `TeamRelation` (and, without the amounts, the joined and invite lists).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Relation<'a> {
    team_id: u64,
    team_name: &'a str,
    user_company_id: u64,
    virtual_company_id: u64,
    status: &'a str,
    remark_name: &'a str,
    create_time: i64,
    allocate_amount: i64,
    available_amount: i64,
}

/// `CompShareTeamJoinedInfo` / `CompShareTeamInviteInfo`: a team the caller
/// is in or is invited to.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Membership<'a> {
    team_id: u64,
    team_name: &'a str,
    user_company_id: u64,
    virtual_company_id: u64,
    status: &'a str,
    remark_name: &'a str,
    create_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_personal_account: Option<bool>,
}

impl Membership<'_> {
    /// [`PENDING`] or [`JOINED`].
    pub fn status(&self) -> &str {
        self.status
    }

    /// The team's id.
    pub fn team_id(&self) -> u64 {
        self.team_id
    }

    /// As `ListCompShareTeamJoined` lists it: with `IsPersonalAccount`
    /// (false: a team's virtual account is not a personal one).
    pub fn joined(self) -> Self {
        Membership {
            is_personal_account: Some(false),
            ..self
        }
    }
}

/// `UnpaidOrderInfo`: an unpaid order, `Amount` in fen (the catalogue's
/// integer), `AmountReal` as yuan.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnpaidOrder<'a> {
    order_no: &'a str,
    order_type: &'a str,
    order_state: &'a str,
    charge_type: &'a str,
    amount: i64,
    amount_real: Yuan,
    original_price: Yuan,
    quantity: &'a str,
    region_id: &'a str,
    resource_id: &'a str,
    resource_type: &'a str,
    create_time: i64,
    start_time: i64,
    end_time: i64,
    update_time: i64,
}

impl Order {
    /// The order as `DescribeTeamMemberUnpaidOrder` lists it.
    pub fn unpaid(&self) -> UnpaidOrder<'_> {
        UnpaidOrder {
            order_no: &self.order_no,
            order_type: &self.order_type,
            order_state: &self.order_state,
            charge_type: &self.charge_type,
            amount: self.amount.0,
            amount_real: self.amount_real,
            original_price: self.original_price,
            quantity: &self.quantity,
            region_id: &self.region_id,
            resource_id: &self.resource_id,
            resource_type: &self.resource_type,
            create_time: self.create_time,
            start_time: self.start_time,
            end_time: self.end_time,
            update_time: self.update_time,
        }
    }
}

/// Why one invitation or one quota change failed (`ErrorMap`,
/// `FailedMembers` entries).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ItemError {
    /// The mock's code (README, behaviour table).
    pub code: i64,
    /// What went wrong.
    pub message: String,
}

impl ItemError {
    fn new(code: i64, message: &str) -> Self {
        ItemError {
            code,
            message: message.to_owned(),
        }
    }
}

/// Which orders a billing read selects; an empty list selects all.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    /// Orders created at or after (Unix seconds); absent: from the start.
    pub begin: Option<i64>,
    /// Orders created at or before; absent: no end.
    pub end: Option<i64>,
    /// `OrderStates`.
    pub states: Vec<String>,
    /// `ChargeTypes`.
    pub charge_types: Vec<String>,
    /// `ResourceIds`.
    pub resource_ids: Vec<String>,
    /// `OrderNos`.
    pub order_nos: Vec<String>,
    /// `OrderTypes`.
    pub order_types: Vec<String>,
}

impl OrderQuery {
    /// Whether the order passes every filter given.
    pub fn matches(&self, o: &Order) -> bool {
        let any = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        self.begin.is_none_or(|b| o.create_time >= b)
            && self.end.is_none_or(|e| o.create_time <= e)
            && any(&self.states, &o.order_state)
            && any(&self.charge_types, &o.charge_type)
            && any(&self.resource_ids, &o.resource_id)
            && any(&self.order_nos, &o.order_no)
            && any(&self.order_types, &o.order_type)
    }
}

/// All teams, and the next team and virtual account ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Teams {
    /// Every team, by id.
    pub teams: Vec<Team>,
    /// The id the next team gets.
    pub next_team_id: u64,
    /// The virtual account id the next invitation gets.
    pub next_virtual_id: u64,
}

/// The first team id and virtual account id of a set with none.
const FIRST_TEAM_ID: u64 = 100001;
const FIRST_VIRTUAL_ID: u64 = 300001;

impl Default for Teams {
    fn default() -> Self {
        Teams {
            teams: Vec::new(),
            next_team_id: FIRST_TEAM_ID,
            next_virtual_id: FIRST_VIRTUAL_ID,
        }
    }
}

impl Teams {
    /// Teams from a fixture or a state file, checked: unique team and
    /// virtual ids, owners and members that are accounts, known statuses,
    /// nobody twice in a team nor in their own team. The next ids follow
    /// the largest ones held (or the counters given, if larger).
    pub fn build(
        mut teams: Vec<Team>,
        accounts: &[Account],
        next: (u64, u64),
    ) -> Result<Teams, String> {
        let known = |id: &str| accounts.iter().any(|a| a.account_id == id);
        let mut team_ids = std::collections::HashSet::new();
        let mut virtual_ids = std::collections::HashSet::new();
        for t in &teams {
            if t.id == 0 || !team_ids.insert(t.id) {
                return Err(format!("team {} is 0 or appears twice", t.id));
            }
            if !known(&t.owner_id) {
                return Err(format!(
                    "team {}: owner {:?} is no account",
                    t.id, t.owner_id
                ));
            }
            let mut users = std::collections::HashSet::new();
            for m in &t.members {
                let who = m.user_company_id.to_string();
                if !known(&who) || who == t.owner_id || !users.insert(m.user_company_id) {
                    return Err(format!(
                        "team {}: member {} is no account, the owner, or twice",
                        t.id, m.user_company_id
                    ));
                }
                if m.virtual_company_id == 0 || !virtual_ids.insert(m.virtual_company_id) {
                    return Err(format!(
                        "team {}: virtual account {} is 0 or taken",
                        t.id, m.virtual_company_id
                    ));
                }
                if m.status != PENDING && m.status != JOINED {
                    return Err(format!(
                        "team {}: member {} has status {:?}, not {PENDING:?} or {JOINED:?}",
                        t.id, m.user_company_id, m.status
                    ));
                }
                if m.allocate_amount < 0 || m.available_amount < 0 {
                    return Err(format!(
                        "team {}: member {} has a negative amount",
                        t.id, m.user_company_id
                    ));
                }
            }
        }
        teams.sort_by_key(|t| t.id);
        let next_team_id = teams
            .iter()
            .map(|t| t.id + 1)
            .chain([FIRST_TEAM_ID, next.0])
            .max()
            .unwrap_or(FIRST_TEAM_ID);
        let next_virtual_id = virtual_ids
            .iter()
            .map(|v| v + 1)
            .chain([FIRST_VIRTUAL_ID, next.1])
            .max()
            .unwrap_or(FIRST_VIRTUAL_ID);
        Ok(Teams {
            teams,
            next_team_id,
            next_virtual_id,
        })
    }

    fn position(&self, id: u64) -> Option<usize> {
        self.teams.binary_search_by_key(&id, |t| t.id).ok()
    }
}

fn team_id_refused() -> ApiError {
    ApiError::ParamsNotAvailable("TeamId".to_owned())
}

fn wrong_state(team: u64, state: &str, action: &str) -> ApiError {
    ApiError::WrongState {
        id: team.to_string(),
        state: state.to_owned(),
        action: action.to_owned(),
    }
}

impl State {
    /// The teams `owner` owns, by id.
    pub fn teams_owned<'a>(&'a self, owner: &'a str) -> impl Iterator<Item = &'a Team> + 'a {
        self.teams.teams.iter().filter(move |t| t.owner_id == owner)
    }

    /// The team `id` if `owner` owns it, else 230 `TeamId`.
    pub fn owned_team(&self, owner: &str, id: u64) -> Result<&Team, ApiError> {
        self.teams
            .position(id)
            .map(|i| &self.teams.teams[i])
            .filter(|t| t.owner_id == owner)
            .ok_or_else(team_id_refused)
    }

    fn owned_team_mut(&mut self, owner: &str, id: u64) -> Result<&mut Team, ApiError> {
        self.owned_team(owner, id)?;
        let i = self.teams.position(id).expect("checked");
        Ok(&mut self.teams.teams[i])
    }

    /// The memberships of `user` (an account id): every team that invited
    /// them or that they joined, as the joined and invite lists show them.
    pub fn memberships<'a>(&'a self, user: &'a str) -> impl Iterator<Item = Membership<'a>> + 'a {
        self.teams.teams.iter().flat_map(move |t| {
            t.members
                .iter()
                .filter(move |m| m.user_company_id.to_string() == user)
                .map(move |m| Membership {
                    team_id: t.id,
                    team_name: &t.name,
                    user_company_id: m.user_company_id,
                    virtual_company_id: m.virtual_company_id,
                    status: &m.status,
                    remark_name: &m.remark_name,
                    create_time: m.create_time,
                    is_personal_account: None,
                })
        })
    }

    /// Creates a team owned by `owner`; answers its id.
    pub fn create_team(&mut self, owner: &str, name: &str, description: &str) -> u64 {
        let id = self.teams.next_team_id;
        self.teams.next_team_id += 1;
        let now = self.clock.now();
        let mut team = Team {
            id,
            owner_id: owner.to_owned(),
            name: name.to_owned(),
            description: description.to_owned(),
            create_time: now,
            members: Vec::new(),
            logs: Vec::new(),
        };
        team.log(now, "CreateTeam", true, format!("created team {name}"));
        // Ids only grow: the new team goes last.
        self.teams.teams.push(team);
        id
    }

    /// Renames a team or changes its description (what is given).
    pub fn update_team(
        &mut self,
        owner: &str,
        id: u64,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        let team = self.owned_team_mut(owner, id)?;
        if let Some(n) = name {
            team.name = n.to_owned();
        }
        if let Some(d) = description {
            team.description = d.to_owned();
        }
        let what = format!("updated team {}", team.name);
        team.log(now, "UpdateTeam", true, what);
        Ok(())
    }

    /// Deletes a team with no member and no invitation (else 290).
    pub fn delete_team(&mut self, owner: &str, id: u64) -> Result<(), ApiError> {
        let team = self.owned_team(owner, id)?;
        if !team.members.is_empty() {
            return Err(wrong_state(id, "HasMembers", "DeleteCompShareTeam"));
        }
        let i = self.teams.position(id).expect("checked");
        self.teams.teams.remove(i);
        Ok(())
    }

    /// Invites accounts (id, remark) to a team. Each invitation succeeds or
    /// fails alone; the failures come back by account id.
    pub fn invite_members(
        &mut self,
        owner: &str,
        id: u64,
        invitees: &[(u64, String)],
    ) -> Result<BTreeMap<String, ItemError>, ApiError> {
        self.owned_team(owner, id)?;
        if invitees.len() > MAX_INVITES {
            return Err(ApiError::ParamsNotAvailable("UserInfo".to_owned()));
        }
        let now = self.clock.now();
        let accounts: Vec<String> = self.accounts.iter().map(|a| a.account_id.clone()).collect();
        let mut next_virtual = self.teams.next_virtual_id;
        let team = self.owned_team_mut(owner, id)?;
        let mut failed = BTreeMap::new();
        for (user, remark) in invitees {
            let who = user.to_string();
            let refusal = if who == team.owner_id {
                Some(ItemError::new(16003, "the team's owner cannot be invited"))
            } else if !accounts.contains(&who) {
                Some(ItemError::new(16002, "no such user"))
            } else if team.members.iter().any(|m| m.user_company_id == *user) {
                Some(ItemError::new(16001, "the user is already in the team"))
            } else {
                None
            };
            match refusal {
                Some(e) => {
                    team.log(
                        now,
                        "InviteMember",
                        false,
                        format!("invite {who}: {}", e.message),
                    );
                    failed.insert(who, e);
                }
                None => {
                    team.members.push(Member {
                        user_company_id: *user,
                        virtual_company_id: next_virtual,
                        remark_name: remark.clone(),
                        status: PENDING.to_owned(),
                        create_time: now,
                        allocate_amount: 0,
                        available_amount: 0,
                        orders: Vec::new(),
                    });
                    next_virtual += 1;
                    team.log(now, "InviteMember", true, format!("invited {who}"));
                }
            }
        }
        self.teams.next_virtual_id = next_virtual;
        Ok(failed)
    }

    /// SetCompShareTeamRelation: the invitee answers (`Agree`, `Reject`) or
    /// the owner acts on a member (`Cancel` removes an invitation or a
    /// member, `UpdateRemarkName` renames one).
    pub fn set_team_relation(
        &mut self,
        caller: &str,
        id: u64,
        status: &str,
        user: Option<u64>,
        remark: Option<&str>,
    ) -> Result<(), ApiError> {
        let now = self.clock.now();
        match status {
            "Agree" | "Reject" => {
                let i = self.teams.position(id).ok_or_else(team_id_refused)?;
                let team = &mut self.teams.teams[i];
                let at = team
                    .members
                    .iter()
                    .position(|m| m.user_company_id.to_string() == caller)
                    .ok_or_else(team_id_refused)?;
                if team.members[at].status != PENDING {
                    return Err(wrong_state(
                        id,
                        &team.members[at].status,
                        &format!("SetCompShareTeamRelation {status}"),
                    ));
                }
                if status == "Agree" {
                    team.members[at].status = JOINED.to_owned();
                    if let Some(r) = remark {
                        team.members[at].remark_name = r.to_owned();
                    }
                    team.log(now, "AcceptInvite", true, format!("{caller} joined"));
                } else {
                    team.members.remove(at);
                    team.log(now, "RejectInvite", true, format!("{caller} declined"));
                }
                Ok(())
            }
            "Cancel" | "UpdateRemarkName" => {
                self.owned_team(caller, id)?;
                let user = user.ok_or_else(|| ApiError::MissingParams("UserCompanyId".into()))?;
                let remark = match (status, remark) {
                    ("UpdateRemarkName", None) => {
                        return Err(ApiError::MissingParams("RemarkName".into()))
                    }
                    (_, r) => r.unwrap_or_default().to_owned(),
                };
                let team = self.owned_team_mut(caller, id)?;
                let at = team
                    .members
                    .iter()
                    .position(|m| m.user_company_id == user)
                    .ok_or_else(|| ApiError::ParamsNotAvailable("UserCompanyId".into()))?;
                if status == "UpdateRemarkName" {
                    team.members[at].remark_name = remark.clone();
                    team.log(
                        now,
                        "UpdateRemarkName",
                        true,
                        format!("{user} is now {remark}"),
                    );
                } else {
                    let gone = team.members.remove(at);
                    let kind = if gone.status == JOINED {
                        "RemoveMember"
                    } else {
                        "CancelInvite"
                    };
                    team.log(now, kind, true, format!("{kind} {user}"));
                }
                Ok(())
            }
            _ => Err(ApiError::ParamsNotAvailable("Status".into())),
        }
    }

    /// SetCompShareTeamAmount: grants (`AllocateAmount`) or takes back
    /// (`WithdrawAmount`) `amount` fen for each joined member named. A
    /// member who is not one, or has less available than is withdrawn,
    /// fails alone and is left as they were.
    pub fn set_team_amount(
        &mut self,
        owner: &str,
        id: u64,
        members: &[u64],
        amount: i64,
        operation: &str,
    ) -> Result<BTreeMap<String, ItemError>, ApiError> {
        let withdraw = match operation {
            "AllocateAmount" => false,
            "WithdrawAmount" => true,
            _ => return Err(ApiError::ParamsNotAvailable("OperateType".into())),
        };
        if amount <= 0 {
            return Err(ApiError::ParamsNotAvailable("Amount".into()));
        }
        self.owned_team(owner, id)?;
        let now = self.clock.now();
        let team = self.owned_team_mut(owner, id)?;
        let mut failed = BTreeMap::new();
        for v in members {
            let member = team
                .members
                .iter_mut()
                .find(|m| m.virtual_company_id == *v && m.status == JOINED);
            let outcome = match member {
                None => Err(ItemError::new(17002, "not a member of the team")),
                Some(m) if withdraw && m.available_amount < amount => {
                    Err(ItemError::new(17001, "insufficient available quota"))
                }
                Some(m) if withdraw => {
                    m.allocate_amount -= amount;
                    m.available_amount -= amount;
                    Ok(())
                }
                Some(m) => match (
                    m.allocate_amount.checked_add(amount),
                    m.available_amount.checked_add(amount),
                ) {
                    (Some(a), Some(b)) => {
                        m.allocate_amount = a;
                        m.available_amount = b;
                        Ok(())
                    }
                    _ => Err(ItemError::new(17003, "the quota would overflow")),
                },
            };
            let text = format!("{operation} {amount} fen for {v}");
            match outcome {
                Ok(()) => team.log(now, operation, true, text),
                Err(e) => {
                    team.log(now, operation, false, format!("{text}: {}", e.message));
                    failed.insert(v.to_string(), e);
                }
            }
        }
        Ok(failed)
    }

    /// The orders of member `member` of the caller's team `id` that `query`
    /// selects, newest first (230 `VirtualCompanyId` for a stranger).
    pub fn member_orders(
        &self,
        owner: &str,
        id: u64,
        member: u64,
        query: &OrderQuery,
    ) -> Result<Vec<&Order>, ApiError> {
        let team = self.owned_team(owner, id)?;
        let m = team
            .member(member)
            .ok_or_else(|| ApiError::ParamsNotAvailable("VirtualCompanyId".into()))?;
        let mut out: Vec<&Order> = m.orders.iter().filter(|o| query.matches(o)).collect();
        out.sort_by(|a, b| {
            b.create_time
                .cmp(&a.create_time)
                .then(a.order_no.cmp(&b.order_no))
        });
        Ok(out)
    }

    /// The orders of the whole team (`member` 0 or absent) or of one
    /// member, with their member, oldest member first, newest order first.
    pub fn team_orders(
        &self,
        owner: &str,
        id: u64,
        member: Option<u64>,
        query: &OrderQuery,
    ) -> Result<Vec<(&Member, &Order)>, ApiError> {
        let team = self.owned_team(owner, id)?;
        let members: Vec<&Member> = match member.filter(|m| *m != 0) {
            Some(v) => vec![team
                .member(v)
                .ok_or_else(|| ApiError::ParamsNotAvailable("VirtualCompanyId".into()))?],
            None => team.members.iter().collect(),
        };
        let mut out = Vec::new();
        for m in members {
            let mut orders: Vec<&Order> = m.orders.iter().filter(|o| query.matches(o)).collect();
            orders.sort_by_key(|o| std::cmp::Reverse(o.create_time));
            out.extend(orders.into_iter().map(|o| (m, o)));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::Fixtures;

    const OWNER: &str = "56000001";
    const SECOND: &str = "56000002";
    const TEAM: u64 = 100001;
    const MEMBER: u64 = 300001;

    fn state() -> State {
        let mut s = Fixtures::builtin().state();
        s.clock.freeze();
        s
    }

    #[test]
    fn yuan_reads_and_writes_two_decimals() {
        for (text, fen, back) in [
            ("2.05", 205, "2.05"),
            ("12", 1200, "12.00"),
            ("0.5", 50, "0.50"),
            ("-1.25", -125, "-1.25"),
        ] {
            let y: Yuan = text.parse().unwrap();
            assert_eq!(y, Yuan(fen));
            assert_eq!(y.to_string(), back);
        }
        for bad in [
            "",
            "1.234",
            "a",
            "1.",
            ".5",
            "1e3",
            "+1",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<Yuan>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_builtin_set_has_a_team_with_the_second_account_in_it() {
        let s = state();
        let owned: Vec<&Team> = s.teams_owned(OWNER).collect();
        assert_eq!(owned.len(), 2, "one with a member, one empty");
        assert_eq!(owned[0].info().member_count, 1);
        assert_eq!(owned[1].info().member_count, 0);
        let m = owned[0].member(MEMBER).unwrap();
        assert_eq!(
            (m.user_company_id.to_string().as_str(), m.status.as_str()),
            (SECOND, JOINED)
        );
        assert!(!m.orders.is_empty());
        assert_eq!(
            s.memberships(OWNER).count(),
            1,
            "invited to the second's team"
        );
    }

    #[test]
    fn create_update_and_delete_a_team() {
        let mut s = state();
        let id = s.create_team(OWNER, "new", "d");
        assert!(id > TEAM);
        s.update_team(OWNER, id, Some("renamed"), None).unwrap();
        assert_eq!(s.owned_team(OWNER, id).unwrap().name, "renamed");
        assert_eq!(s.owned_team(OWNER, id).unwrap().description, "d");
        assert_eq!(s.owned_team(SECOND, id).unwrap_err(), team_id_refused());
        let before = s.teams.clone();
        assert_eq!(s.delete_team(SECOND, id), Err(team_id_refused()));
        assert_eq!(s.teams, before, "a refusal changes nothing");
        s.delete_team(OWNER, id).unwrap();
        assert!(s.owned_team(OWNER, id).is_err());
        assert_eq!(
            s.create_team(OWNER, "again", ""),
            id + 1,
            "ids are not reused"
        );
    }

    #[test]
    fn a_team_with_members_is_not_deleted() {
        let mut s = state();
        let before = s.teams.clone();
        let e = s.delete_team(OWNER, TEAM).unwrap_err();
        assert_eq!(e.ret_code(), 290);
        assert_eq!(s.teams, before);
    }

    #[test]
    fn invitations_fail_one_by_one_and_the_invitee_answers() {
        let mut s = state();
        let id = s.create_team(OWNER, "t", "");
        let failed = s
            .invite_members(
                OWNER,
                id,
                &[
                    (56000002, "two".into()),
                    (56000002, "again".into()),
                    (56000001, "me".into()),
                    (99, "nobody".into()),
                ],
            )
            .unwrap();
        let codes: Vec<(&str, i64)> = failed.iter().map(|(k, v)| (k.as_str(), v.code)).collect();
        assert_eq!(
            codes,
            [("56000001", 16003), ("56000002", 16001), ("99", 16002)]
        );
        let team = s.owned_team(OWNER, id).unwrap();
        assert_eq!(team.members.len(), 1);
        assert_eq!(team.members[0].status, PENDING);
        let before = s.teams.clone();
        assert_eq!(
            s.set_team_relation("56000003", id, "Agree", None, None),
            Err(team_id_refused()),
            "only the invitee answers"
        );
        assert_eq!(s.teams, before);
        s.set_team_relation(SECOND, id, "Agree", None, None)
            .unwrap();
        assert_eq!(s.owned_team(OWNER, id).unwrap().members[0].status, JOINED);
        let e = s
            .set_team_relation(SECOND, id, "Agree", None, None)
            .unwrap_err();
        assert_eq!(e.ret_code(), 290, "already joined");
        let logs = &s.owned_team(OWNER, id).unwrap().logs;
        assert_eq!(logs.iter().filter(|l| l.status == "Failed").count(), 3);
        assert_eq!(logs.last().unwrap().operate_type, "AcceptInvite");
    }

    #[test]
    fn the_owner_cancels_and_renames() {
        let mut s = state();
        let before = s.teams.clone();
        assert_eq!(
            s.set_team_relation(OWNER, TEAM, "Cancel", None, None),
            Err(ApiError::MissingParams("UserCompanyId".into()))
        );
        assert_eq!(
            s.set_team_relation(OWNER, TEAM, "Cancel", Some(77), None),
            Err(ApiError::ParamsNotAvailable("UserCompanyId".into()))
        );
        assert_eq!(
            s.set_team_relation(OWNER, TEAM, "Send", Some(56000002), None),
            Err(ApiError::ParamsNotAvailable("Status".into()))
        );
        assert_eq!(s.teams, before);
        s.set_team_relation(OWNER, TEAM, "UpdateRemarkName", Some(56000002), Some("bob"))
            .unwrap();
        assert_eq!(
            s.owned_team(OWNER, TEAM).unwrap().members[0].remark_name,
            "bob"
        );
        s.set_team_relation(OWNER, TEAM, "Cancel", Some(56000002), None)
            .unwrap();
        assert!(s.owned_team(OWNER, TEAM).unwrap().members.is_empty());
        s.delete_team(OWNER, TEAM).unwrap();
    }

    #[test]
    fn quotas_are_granted_and_withdrawn_member_by_member() {
        let mut s = state();
        let avail = |s: &State| {
            s.owned_team(OWNER, TEAM)
                .unwrap()
                .member(MEMBER)
                .unwrap()
                .available_amount
        };
        let start = avail(&s);
        let failed = s
            .set_team_amount(OWNER, TEAM, &[MEMBER, 42], 500, "AllocateAmount")
            .unwrap();
        assert_eq!(failed.keys().collect::<Vec<_>>(), ["42"]);
        assert_eq!(avail(&s), start + 500);
        let failed = s
            .set_team_amount(OWNER, TEAM, &[MEMBER], start + 501, "WithdrawAmount")
            .unwrap();
        assert_eq!(failed[&MEMBER.to_string()].code, 17001);
        assert_eq!(avail(&s), start + 500, "a failed member is left as it was");
        let before = s.teams.clone();
        for (amount, op, name) in [(0, "AllocateAmount", "Amount"), (5, "Give", "OperateType")] {
            assert_eq!(
                s.set_team_amount(OWNER, TEAM, &[MEMBER], amount, op),
                Err(ApiError::ParamsNotAvailable(name.into()))
            );
        }
        assert_eq!(
            s.set_team_amount(SECOND, TEAM, &[MEMBER], 1, "AllocateAmount"),
            Err(team_id_refused())
        );
        assert_eq!(s.teams, before);
        assert!(s
            .set_team_amount(OWNER, TEAM, &[MEMBER], start + 500, "WithdrawAmount")
            .unwrap()
            .is_empty());
        assert_eq!(avail(&s), 0);
    }

    #[test]
    fn orders_are_filtered_and_newest_first() {
        let s = state();
        let all = s
            .member_orders(OWNER, TEAM, MEMBER, &OrderQuery::default())
            .unwrap();
        assert!(all.windows(2).all(|w| w[0].create_time >= w[1].create_time));
        let unpaid = OrderQuery {
            states: vec!["Unpaid".into()],
            ..OrderQuery::default()
        };
        let some = s.member_orders(OWNER, TEAM, MEMBER, &unpaid).unwrap();
        assert!(!some.is_empty() && some.len() < all.len());
        assert!(some.iter().all(|o| o.order_state == "Unpaid"));
        let window = OrderQuery {
            begin: Some(all[1].create_time),
            end: Some(all[0].create_time),
            ..OrderQuery::default()
        };
        assert_eq!(
            s.member_orders(OWNER, TEAM, MEMBER, &window).unwrap().len(),
            2
        );
        assert_eq!(
            s.member_orders(OWNER, TEAM, 1, &OrderQuery::default()),
            Err(ApiError::ParamsNotAvailable("VirtualCompanyId".into()))
        );
        assert_eq!(
            s.team_orders(OWNER, TEAM, Some(0), &OrderQuery::default())
                .unwrap()
                .len(),
            all.len()
        );
    }

    #[test]
    fn a_set_that_does_not_hold_together_is_refused() {
        let accounts = Fixtures::builtin().accounts;
        let good = state().teams.teams;
        assert!(Teams::build(good.clone(), &accounts, (0, 0)).is_ok());
        let mut twice = good.clone();
        twice.push(good[0].clone());
        assert!(Teams::build(twice, &accounts, (0, 0))
            .unwrap_err()
            .contains("twice"));
        let mut stranger = good.clone();
        stranger[0].owner_id = "1".into();
        assert!(Teams::build(stranger, &accounts, (0, 0))
            .unwrap_err()
            .contains("owner"));
        let mut status = good;
        status[0].members[0].status = "Left".into();
        assert!(Teams::build(status, &accounts, (0, 0))
            .unwrap_err()
            .contains("status"));
    }
}
