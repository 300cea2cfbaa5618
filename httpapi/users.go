package httpapi

import (
	"net/http"

	"github.com/dmsd/dmsd"
)

type createUserRequest struct {
	UserName string `json:"user_name"`
	UserDesc string `json:"user_desc"`
	Password string `json:"user_passwd"`
}

type userJSON struct {
	UserName    string `json:"user_name"`
	UserDesc    string `json:"user_desc"`
	Role        string `json:"role"`
	DefaultApp  bool   `json:"default_app"`
	CreatedTime int64  `json:"created_time"`
}

func handleUserCreate(svc dmsd.UserService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		req, err := decode[createUserRequest](r)
		if err != nil {
			return err
		}
		user := dmsd.User{Name: req.UserName, Description: req.UserDesc}
		if err := svc.CreateUser(r.Context(), actorFrom(r), id, user, req.Password); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func handleUserList(svc dmsd.UserService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		users, err := svc.ListUsers(r.Context(), actorFrom(r), id)
		if err != nil {
			return err
		}
		out := struct {
			Users []userJSON `json:"users"`
		}{Users: make([]userJSON, 0, len(users))}
		for _, u := range users {
			role := "guest"
			if u.Default {
				role = "admin"
			}
			out.Users = append(out.Users, userJSON{UserName: u.Name, UserDesc: u.Description, Role: role,
				DefaultApp: u.Default, CreatedTime: u.CreatedAt.UnixMilli()})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

type deleteUsersRequest struct {
	Action string   `json:"action"`
	Users  []string `json:"users"`
}

func handleUsersDelete(svc dmsd.UserService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		req, err := decode[deleteUsersRequest](r)
		if err != nil {
			return err
		}
		switch {
		case req.Action != "delete":
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: action must be delete.")
		case len(req.Users) == 0:
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: users is empty.")
		}
		if err := svc.DeleteUsers(r.Context(), actorFrom(r), id, req.Users); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

type resetUserPasswordRequest struct {
	NewPassword string `json:"new_password"`
}

func handleUserPassword(svc dmsd.UserService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, req, err := decodeForUser[resetUserPasswordRequest](r)
		if err != nil {
			return err
		}
		if err := svc.ResetUserPassword(r.Context(), actorFrom(r), id, name, req.NewPassword); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

type topicPoliciesRequest struct {
	Topics []dmsd.TopicPolicies `json:"topics"`
}

func handleTopicPoliciesUpdate(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		req, err := decode[topicPoliciesRequest](r)
		if err != nil {
			return err
		}
		t, err := svc.UpdateTopicPolicies(r.Context(), actorFrom(r), id, req.Topics)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]string{"job_id": t.ID})
		return nil
	})
}

type policyJSON struct {
	Owner        bool   `json:"owner"`
	UserName     string `json:"user_name"`
	AccessPolicy string `json:"access_policy"`
}

func handleTopicPoliciesShow(svc dmsd.UserService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		topic := r.PathValue("topic_name")
		policies, err := svc.TopicPolicies(r.Context(), actorFrom(r), id, topic)
		if err != nil {
			return err
		}
		out := struct {
			Name      string       `json:"name"`
			TopicType int          `json:"topic_type"`
			Policies  []policyJSON `json:"policies"`
		}{Name: topic, Policies: make([]policyJSON, 0, len(policies))}
		for _, p := range policies {
			out.Policies = append(out.Policies, policyJSON{UserName: p.UserName, AccessPolicy: p.Policy})
		}
		encode(w, http.StatusOK, out)
		return nil
	})
}

// resetOffsetRequest is the reference's body; partition is mandatory there,
// and -1 means every partition.
type resetOffsetRequest struct {
	Topic         string `json:"topic"`
	Partition     *int32 `json:"partition"`
	MessageOffset *int64 `json:"message_offset"`
	Timestamp     *int64 `json:"timestamp"`
}

func handleResetOffset(svc dmsd.InstanceService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, err := instanceIDOf(r)
		if err != nil {
			return err
		}
		req, err := decode[resetOffsetRequest](r)
		if err != nil {
			return err
		}
		if req.Partition == nil {
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: partition is required (-1 for all partitions).")
		}
		reset := dmsd.OffsetReset{Group: r.PathValue("group"), Topic: req.Topic, Partition: *req.Partition,
			MessageOffset: req.MessageOffset, Timestamp: req.Timestamp}
		if _, err := svc.ResetOffsets(r.Context(), actorFrom(r), id, reset); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// updateUserRequest is the body of PUT /v2/{engine}/{project_id}/instances/
// {instance_id}/users/{user_name} (SDK UpdateUserReq).
type updateUserRequest struct {
	UserName    *string `json:"user_name"`
	UserDesc    *string `json:"user_desc"`
	NewPassword *string `json:"new_password"`
}

func handleUserUpdate(svc dmsd.UserService) http.Handler {
	return handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		id, name, req, err := decodeForUser[updateUserRequest](r)
		if err != nil {
			return err
		}
		if req.UserName != nil && *req.UserName != name {
			// The SDK may repeat the name; a user cannot be renamed.
			return dmsd.Errorf(dmsd.EINVALID, "Invalid request parameter: user_name differs from the path's user, and users cannot be renamed.")
		}
		if err := svc.UpdateUser(r.Context(), actorFrom(r), id, name, req.UserDesc, req.NewPassword); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}
