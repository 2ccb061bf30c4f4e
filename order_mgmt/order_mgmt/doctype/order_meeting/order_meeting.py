from frappe.model.document import Document

from order_mgmt.services.validation import RowsFromClients


class OrderMeeting(RowsFromClients, Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from order_mgmt.order_mgmt.doctype.order_meeting_attendee.order_meeting_attendee import (
			OrderMeetingAttendee,
		)
		from order_mgmt.order_mgmt.doctype.order_meeting_contact.order_meeting_contact import (
			OrderMeetingContact,
		)

		agenda: DF.TextEditor | None
		customer: DF.Link | None
		customer_contacts: DF.TableMultiSelect[OrderMeetingContact]
		customer_order: DF.Link
		internal_attendees: DF.TableMultiSelect[OrderMeetingAttendee]
		location: DF.Data | None
		meeting_from: DF.Datetime
		meeting_to: DF.Datetime | None
		minutes: DF.TextEditor | None
		naming_series: DF.Literal["OM-MTG-.YYYY.-"]
		outcome: DF.SmallText | None
		status: DF.Literal["Planned", "Held", "Canceled"]
		subject: DF.Data
	# end: auto-generated types

	def validate(self):
		from order_mgmt.services.planning import validate_meeting

		validate_meeting(self)
