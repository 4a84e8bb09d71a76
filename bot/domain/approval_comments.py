"""Whether an approver's words under 批准 say yes (层层把关: what the deputy director approves goes out as it is)."""

from __future__ import annotations

import re

from bot.text import without_links

# An approval's comment is a remark (「同意，注意核实数据」, also on the line below): a longer one is most likely the
# approver's own wording of the text, which approving the version as it is would not send.
MAX_CHARS = 100
# 批准 says yes; its comment is a remark (「12点前发出」), and approves only when nothing in it negates, asks, holds
# back or names a fault (「不通过」「数据核实了吗」「先放一放」「原则同意，请修改后再报」「此稿涉密」): a wrong refusal
# costs a resend, a wrong approval sends a rejected article out. Yes-phrases that hold such a word anyway, titles in
# 《》 and links are read past. The cases it was tuned on: tests/test_approval_comments.py.
_DOUBT = re.compile(
    r"[不没未别勿否莫拒]\w{0,2}|退回|驳回|缓发|等等|再等|吗|呢|[？?]|但"  # no, not yet
    r"|再发(?![到给群])|(?:^|[\s，,。；;])等\w{0,12}?(?:后|回复|通知)|先报\w{0,8}[审阅批看]|报\w{1,6}阅"
    r"|先放|先压|先等|面谈|来一趟"
    r"|[改缓暂慎撤删砍]|补充|补齐|补全|重写|重新|作废|去掉|去除|拿掉|换成|换为|替换|写成|应为|应是|更正|订正|纠正"
    r"|修正|校正|合并|(?<!已)(?:精简|精炼|压缩|缩减|调整)(?:后|一下|一些|下|到|至|为|成)"
    r"|(?:再|请|需要?|要)(?:精简|精炼|压缩|缩减|调整)|(?:以下|如下)(?:文字|文本|内容为)|标题[:：]"  # change it first
    r"|斟酌|商榷|再议|再说|再定|再看|看看|后再|稍后|晚点|留待|待定|有待|放一放|压一压|搁置"  # later
    r"|审定|请示|把关|沟通|确认|研究|商量|定夺"  # someone else decides
    r"|有误|有错|错误|错了|写错|错字|病句|矛盾|失实|涉密|敏感(?!信息|词|内容|字眼)|风险(?:较|很|太)?[大高]|重复"
    r"|过时|模糊|过长|太长|套话|问题|欠妥"
    r"|是否|能否|可否|对得上|对不上"  # something is wrong, or asked
    r"|\[(?:疑问|NO|弱|差劲|晕|衰)\]|[❓❔❌👎🤔🙅✋]")  # …or said with an emoji (WeCom's codes, or characters)
_YES_PHRASES = re.compile(
    r"《[^》]*》|不错|没问题|没有问题|没什么问题|没啥问题|没有什么问题|没意见|没有意见|没什么意见|没毛病|没错"
    r"|无不妥|未发现问题|无修改意见|没有修改意见|无需改动|不用改|不用再改|不必改|不需再改|不需要修改|不需要再改|不再修改|不可再改|不再改动"
    r"|无需修改|无须修改|没什么要改|没啥要改|不必再送|不用再送|不涉密|不涉及(?:敏感|涉密)?|未涉密"
    r"|经审定|经审核|已确认|已沟通|已核实|核实无误|确认无误|无问题|未发现不妥|无不当|没有不妥"
    # Someone else had their say before the yes that follows (「经局党组研究，同意发布」), never a wait (「已请示
    # 局长，等回复」「已报县委宣传部审定」): their words end at the yes.
    r"|(?:经|已请示|已与)[^\W不暂待缓等报]{1,8}?(?:研究|沟通)?[，,]?(?=同意)|已经[^\W不暂待缓报送]{1,6}审定"
    r"|一字不改|注意把关|别耽误|不[用必]再给我看"
    r"|错别字|特别|分别|区别|个别|未来|毫不|不断|不少|不仅|别忘"
    r"|(?:不要|别|勿|不得)(?:出现(?!在)[^\W不暂待缓]{0,6}|泄露|外泄|透露|遗漏|漏|写错|弄错|搞错|出错)|(?:不要|别)把\w{1,6}?(?:写|弄|搞)错")


def refusal(number: int, comment: str) -> str | None:
    """Why 「批准 #number comment」 approves nothing, with what to send instead; None when the comment is a yes,
    with or without a remark."""
    if len(comment) > MAX_CHARS:
        return (f"没有批准稿件 #{number}：意见超过 {MAX_CHARS} 字，像是改过的正文，而批准只批准稿件现有的正文。"
                f"同意现有正文请发送「批准 #{number}」，可附简短意见；"
                f"要改正文请发送「退回 #{number} 原因」，由作者或编辑「修改 #{number}」后再送审。")
    doubt = _DOUBT.search(_YES_PHRASES.sub("", without_links(comment)))
    if doubt is not None:
        return (f"没有批准稿件 #{number}：意见里有「{doubt.group().strip()}」，像是不同意或有疑问。"
                f"同意请发送「批准 #{number}」（可附意见，如「批准 #{number} 同意」）；"
                f"不同意请发送「退回 #{number} 原因」，原因写具体，如：退回 #{number} 第二段的数据请再核实")
    return None
