//! Team actions: the teams the caller owns or belongs to, invitations,
//! members and their quotas (fen), the members' bills and the team's
//! operation log; DownloadTeamOrder answers a CSV file.

use std::collections::{BTreeMap, BTreeSet};

use super::{page, read_state, write_state, Answer, Ctx};
use crate::error::ApiError;
use crate::state::teams::{Order, OrderQuery, Team, Yuan, LOG_STATUSES, OPERATE_TYPES, PENDING};
use compshare_protocol::params::Params;

fn not_available(name: &str) -> ApiError {
    ApiError::ParamsNotAvailable(name.to_owned())
}

/// An unsigned integer parameter, if given (230 naming it if it is not one).
fn uint(params: &Params, name: &str) -> Result<Option<u64>, ApiError> {
    params
        .get(name)
        .map(|v| v.parse::<u64>().map_err(|_| not_available(name)))
        .transpose()
}

/// The `TeamId` every team action names (210 when absent).
fn team_id(params: &Params) -> Result<u64, ApiError> {
    uint(params, "TeamId")?.ok_or_else(|| ApiError::MissingParams("TeamId".to_owned()))
}

/// A list parameter given as `Name.N` (or, where the catalogue has it as
/// one string, as `Name`).
fn list(params: &Params, name: &str) -> Vec<String> {
    let mut out: Vec<String> = params.array(name).into_iter().map(str::to_owned).collect();
    out.extend(params.get(name).map(str::to_owned));
    out
}

/// A time bound: absent means no bound (README, behaviour table).
fn time(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(name)
        .map(|v| v.parse::<i64>().map_err(|_| not_available(name)))
        .transpose()
}

/// The order filters of the billing reads.
fn order_query(params: &Params) -> Result<OrderQuery, ApiError> {
    Ok(OrderQuery {
        begin: time(params, "BeginTime")?,
        end: time(params, "EndTime")?,
        states: list(params, "OrderStates"),
        charge_types: list(params, "ChargeTypes"),
        resource_ids: list(params, "ResourceIds"),
        order_nos: list(params, "OrderNos"),
        order_types: list(params, "OrderTypes"),
    })
}

/// The member a billing read names (`VirtualCompanyId`, 210 when absent).
fn member_id(params: &Params) -> Result<u64, ApiError> {
    uint(params, "VirtualCompanyId")?
        .ok_or_else(|| ApiError::MissingParams("VirtualCompanyId".to_owned()))
}

fn paged<T>(all: Vec<T>, params: &Params) -> Result<(Vec<T>, usize, usize, usize), ApiError> {
    let p = page(params)?;
    let total = all.len();
    let items = all.into_iter().skip(p.offset).take(p.limit).collect();
    Ok((items, total, p.offset, p.limit))
}

/// ListCompShareTeam: the teams the caller owns.
pub fn list_comp_share_team(ctx: &Ctx<'_>, _params: &Params) -> Result<Answer, ApiError> {
    let state = read_state(ctx);
    let teams: Vec<_> = state
        .teams_owned(&ctx.account.account_id)
        .map(Team::info)
        .collect();
    Ok(Answer::new().field("Teams", &teams))
}

/// ListCompShareTeamJoined: the teams the caller is in or invited to,
/// `Status` filtering (case-insensitively).
pub fn list_comp_share_team_joined(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let status = params.get("Status");
    let state = read_state(ctx);
    let joined: Vec<_> = state
        .memberships(&ctx.account.account_id)
        .filter(|m| status.is_none_or(|s| m.status().eq_ignore_ascii_case(s)))
        .map(|m| m.joined())
        .collect();
    Ok(Answer::new().field("JoinedTeams", &joined))
}

/// ListCompShareTeamInvite: the invitations waiting for the caller's
/// answer, of one team when `TeamId` is given.
pub fn list_comp_share_team_invite(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let team = uint(params, "TeamId")?;
    let state = read_state(ctx);
    let invites: Vec<_> = state
        .memberships(&ctx.account.account_id)
        .filter(|m| m.status() == PENDING && team.is_none_or(|t| m.team_id() == t))
        .collect();
    Ok(Answer::new().field("Invites", &invites))
}

/// GetCompShareTeamInfo: a team the caller owns and its members, invited
/// ones included; amounts in fen.
pub fn get_comp_share_team_info(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    let state = read_state(ctx);
    let team = state.owned_team(&ctx.account.account_id, id)?;
    let relations: Vec<_> = team.members.iter().map(|m| team.relation(m)).collect();
    Ok(Answer::new()
        .field("Team", &team.detail())
        .field("TeamRelation", &relations))
}

/// CreateCompShareTeam: a new team owned by the caller. The answer carries
/// no id (the API reference); ListCompShareTeam shows it.
pub fn create_comp_share_team(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let name = params
        .get("Name")
        .ok_or_else(|| ApiError::MissingParams("Name".to_owned()))?;
    let description = params.get("Description").unwrap_or("");
    write_state(ctx).create_team(&ctx.account.account_id, name, description);
    Ok(Answer::new())
}

/// UpdateCompShareTeam: a new `Name` and/or `Description`; with neither
/// nothing changes (the call is still logged).
pub fn update_comp_share_team(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    let (name, description) = (params.get("Name"), params.get("Description"));
    write_state(ctx).update_team(&ctx.account.account_id, id, name, description)?;
    Ok(Answer::new())
}

/// DeleteCompShareTeam: a team with no member and no open invitation.
pub fn delete_comp_share_team(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    write_state(ctx).delete_team(&ctx.account.account_id, id)?;
    Ok(Answer::new())
}

/// CreateCompShareTeamRelation: invites `UserInfo.N.UserCompanyId` (with
/// `UserInfo.N.RemarkName`). `ErrorMap` keeps the catalogue's string type:
/// `""` when every invitation went out, else the JSON text of the map the
/// API reference shows, `{"<UserCompanyId>": {"Code": N, "Message": "…"}}`.
pub fn create_comp_share_team_relation(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    let mut items: BTreeMap<u64, (Option<&str>, &str)> = BTreeMap::new();
    for (rest, value) in params.children("UserInfo") {
        let Some((index, field)) = rest.split_once('.') else {
            continue;
        };
        let Ok(index) = index.parse::<u64>() else {
            continue;
        };
        let item = items.entry(index).or_insert((None, ""));
        match field {
            "UserCompanyId" if !value.is_empty() => item.0 = Some(value),
            "RemarkName" => item.1 = value,
            _ => {}
        }
    }
    let mut invitees = Vec::with_capacity(items.len());
    for (index, (user, remark)) in items {
        let name = format!("UserInfo.{index}.UserCompanyId");
        let user = user.ok_or_else(|| ApiError::MissingParams(name.clone()))?;
        let user = user.parse::<u64>().map_err(|_| not_available(&name))?;
        invitees.push((user, remark.to_owned()));
    }
    if invitees.is_empty() {
        return Err(ApiError::MissingParams("UserInfo".to_owned()));
    }
    let failed = write_state(ctx).invite_members(&ctx.account.account_id, id, &invitees)?;
    let error_map = if failed.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&failed).unwrap_or_default()
    };
    Ok(Answer::new().field("ErrorMap", &error_map))
}

/// SetCompShareTeamRelation: `Agree` / `Reject` (the invitee), `Cancel` /
/// `UpdateRemarkName` (the owner, naming `UserCompanyId`).
pub fn set_comp_share_team_relation(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    let status = params
        .get("Status")
        .ok_or_else(|| ApiError::MissingParams("Status".to_owned()))?;
    let user = uint(params, "UserCompanyId")?;
    let remark = params.get("RemarkName");
    write_state(ctx).set_team_relation(&ctx.account.account_id, id, status, user, remark)?;
    Ok(Answer::new())
}

/// SetCompShareTeamAmount: grants or withdraws `Amount` fen for each
/// `VirtualCompanyId.N`; `FailedMembers` maps the members that failed (by
/// id) to why, and is empty when all succeeded.
pub fn set_comp_share_team_amount(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    let mut members = Vec::new();
    for v in params.array("VirtualCompanyId") {
        members.push(
            v.parse::<u64>()
                .map_err(|_| not_available("VirtualCompanyId"))?,
        );
    }
    if members.is_empty() {
        return Err(ApiError::MissingParams("VirtualCompanyId".to_owned()));
    }
    let amount = params
        .get("Amount")
        .ok_or_else(|| ApiError::MissingParams("Amount".to_owned()))?
        .parse::<i64>()
        .map_err(|_| not_available("Amount"))?;
    let operation = params
        .get("OperateType")
        .ok_or_else(|| ApiError::MissingParams("OperateType".to_owned()))?;
    let failed = write_state(ctx).set_team_amount(
        &ctx.account.account_id,
        id,
        &members,
        amount,
        operation,
    )?;
    Ok(Answer::new().field("FailedMembers", &failed))
}

/// The sort of DescribeTeamMemberOrder: `OrderBy` (`create_time` /
/// `CreateTime`, `order_start_time` / `StartTime`, `order_end_time` /
/// `EndTime`; default creation time), `OrderDir` `ASC` / `DESC` (default).
fn sort_orders(orders: &mut [&Order], params: &Params) -> Result<(), ApiError> {
    let key: fn(&Order) -> i64 = match params.get("OrderBy").map(str::to_ascii_lowercase) {
        None => |o| o.create_time,
        Some(by) => match by.as_str() {
            "create_time" | "createtime" => |o| o.create_time,
            "order_start_time" | "starttime" => |o| o.start_time,
            "order_end_time" | "endtime" => |o| o.end_time,
            _ => return Err(not_available("OrderBy")),
        },
    };
    let ascending = match params.get("OrderDir").map(str::to_ascii_uppercase) {
        None => false,
        Some(d) if d == "ASC" => true,
        Some(d) if d == "DESC" => false,
        Some(_) => return Err(not_available("OrderDir")),
    };
    orders.sort_by(|a, b| {
        let by = key(a).cmp(&key(b)).then(a.order_no.cmp(&b.order_no));
        if ascending {
            by
        } else {
            by.reverse()
        }
    });
    Ok(())
}

/// DescribeTeamMemberOrder: a member's orders, filtered, sorted, paged.
pub fn describe_team_member_order(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let (id, member, query) = (team_id(params)?, member_id(params)?, order_query(params)?);
    let state = read_state(ctx);
    let mut orders = state.member_orders(&ctx.account.account_id, id, member, &query)?;
    sort_orders(&mut orders, params)?;
    let (items, total, offset, limit) = paged(orders, params)?;
    Ok(Answer::new()
        .field("OrderInfos", &items)
        .field("Total", &total)
        .field("Limit", &limit)
        .field("Offset", &offset))
}

fn sum(orders: &[&Order], of: fn(&Order) -> Yuan) -> Yuan {
    Yuan(orders.iter().map(|o| of(o).0).sum())
}

/// DescribeTeamMemberOrderCount: how many orders and their sums (yuan).
pub fn describe_team_member_order_count(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let (id, member, query) = (team_id(params)?, member_id(params)?, order_query(params)?);
    let state = read_state(ctx);
    let orders = state.member_orders(&ctx.account.account_id, id, member, &query)?;
    Ok(Answer::new()
        .field("TotalCount", &orders.len())
        .field("Amount", &sum(&orders, |o| o.amount))
        .field("AmountReal", &sum(&orders, |o| o.amount_real))
        .field("AmountFree", &sum(&orders, |o| o.amount_free))
        .field("AmountCoupon", &sum(&orders, |o| o.amount_coupon)))
}

/// The member's orders in state `Unpaid` that the other filters select.
fn unpaid<'a>(
    ctx: &Ctx<'_>,
    state: &'a crate::state::State,
    params: &Params,
) -> Result<Vec<&'a Order>, ApiError> {
    let (id, member, query) = (team_id(params)?, member_id(params)?, order_query(params)?);
    let orders = state.member_orders(&ctx.account.account_id, id, member, &query)?;
    Ok(orders
        .into_iter()
        .filter(|o| o.order_state == "Unpaid")
        .collect())
}

/// DescribeTeamMemberUnpaidOrder: the member's unpaid orders, newest first,
/// paged; `Amount` in fen (the catalogue's integer).
pub fn describe_team_member_unpaid_order(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let state = read_state(ctx);
    let mut orders = unpaid(ctx, &state, params)?;
    sort_orders(&mut orders, params)?;
    let (items, total, offset, limit) = paged(orders, params)?;
    let items: Vec<_> = items.iter().map(|o| o.unpaid()).collect();
    Ok(Answer::new()
        .field("OrderInfos", &items)
        .field("Total", &total)
        .field("Limit", &limit)
        .field("Offset", &offset))
}

/// DescribeTeamMemberUnpaidOrderCount: how many unpaid orders, their sum.
pub fn describe_team_member_unpaid_order_count(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let state = read_state(ctx);
    let orders = unpaid(ctx, &state, params)?;
    Ok(Answer::new()
        .field("TotalCount", &orders.len())
        .field("Amount", &sum(&orders, |o| o.amount)))
}

/// ListMemberProductType: the product types (`ResourceType`) of the
/// member's orders (every member's without `VirtualCompanyId`), sorted.
pub fn list_member_product_type(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let (id, query) = (team_id(params)?, order_query(params)?);
    let member = uint(params, "VirtualCompanyId")?;
    let state = read_state(ctx);
    let orders = state.team_orders(&ctx.account.account_id, id, member, &query)?;
    let types: BTreeSet<&str> = orders
        .iter()
        .map(|(_, o)| o.resource_type.as_str())
        .collect();
    Ok(Answer::new().field("ProductTypeList", &types))
}

/// ListCompShareTeamOperateLog: the team's log, newest first unless
/// `OrderByASC`, filtered by `OperateType.N`, `Status.N` and time, paged.
pub fn list_comp_share_team_operate_log(
    ctx: &Ctx<'_>,
    params: &Params,
) -> Result<Answer, ApiError> {
    let id = team_id(params)?;
    let (begin, end) = (time(params, "BeginTime")?, time(params, "EndTime")?);
    let (types, statuses) = (list(params, "OperateType"), list(params, "Status"));
    let ascending = match params.get("OrderByASC") {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(not_available("OrderByASC")),
    };
    let state = read_state(ctx);
    let team = state.owned_team(&ctx.account.account_id, id)?;
    let mut logs: Vec<_> = team
        .logs
        .iter()
        .filter(|l| {
            begin.is_none_or(|b| l.create_time >= b)
                && end.is_none_or(|e| l.create_time <= e)
                && (types.is_empty() || types.contains(&l.operate_type))
                && (statuses.is_empty() || statuses.contains(&l.status))
        })
        .collect();
    if !ascending {
        logs.reverse();
    }
    let (items, total, _, _) = paged(logs, params)?;
    Ok(Answer::new()
        .field("Logs", &items)
        .field("Total", &total)
        .field("OperateTypeList", OPERATE_TYPES)
        .field("StatusList", LOG_STATUSES))
}

/// The columns of DownloadTeamOrder's CSV: the catalogue's fields of it.
const CSV_COLUMNS: [&str; 15] = [
    "VirtualCompanyId",
    "RemarkName",
    "OrderNo",
    "OrderType",
    "OrderState",
    "ChargeType",
    "ResourceType",
    "ResourceId",
    "Amount",
    "AmountReal",
    "AmountCoupon",
    "AmountFree",
    "CreateTime",
    "StartTime",
    "EndTime",
];

/// DownloadTeamOrder: the team's orders (one member's with a non-zero
/// `VirtualCompanyId`) as a CSV file, `text/csv; charset=utf-8`, a header
/// row then one row per order; an unknown or another's team is the usual
/// JSON refusal.
pub fn download_team_order(ctx: &Ctx<'_>, params: &Params) -> Result<Answer, ApiError> {
    let (id, query) = (team_id(params)?, order_query(params)?);
    let member = uint(params, "VirtualCompanyId")?;
    let state = read_state(ctx);
    let orders = state.team_orders(&ctx.account.account_id, id, member, &query)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let rows =
        std::iter::once(CSV_COLUMNS.map(str::to_owned)).chain(orders.iter().map(|(m, o)| {
            [
                m.virtual_company_id.to_string(),
                m.remark_name.clone(),
                o.order_no.clone(),
                o.order_type.clone(),
                o.order_state.clone(),
                o.charge_type.clone(),
                o.resource_type.clone(),
                o.resource_id.clone(),
                o.amount.to_string(),
                o.amount_real.to_string(),
                o.amount_coupon.to_string(),
                o.amount_free.to_string(),
                o.create_time.to_string(),
                o.start_time.to_string(),
                o.end_time.to_string(),
            ]
        }));
    for row in rows {
        // Writing into a Vec cannot fail.
        let _ = out.write_record(&row);
    }
    let bytes = out.into_inner().unwrap_or_default();
    Ok(Answer::file(
        "text/csv; charset=utf-8",
        &format!("team_order_{id}.csv"),
        bytes,
    ))
}
